package task

import "strings"

// Stats are the live figures of ENGINE_STATS and GET /api/downloads/stats.
type Stats struct {
	ActiveDownloads int              `json:"active_downloads"` // STARTING + DOWNLOADING
	Queued          int              `json:"queued"`           // QUEUED + WAITING
	Completed       int              `json:"completed"`
	Failed          int              `json:"failed"`
	Paused          int              `json:"paused"`
	Cancelled       int              `json:"cancelled"`
	TotalSpeed      float64          `json:"total_speed"`
	DBCounts        map[string]int64 `json:"db_counts"` // "all" and each state, lower-case, as stored
}

// Count adds one task to the figures.
func (s *Stats) Count(t *Task) {
	switch t.State {
	case Starting, Downloading:
		s.ActiveDownloads++
		s.TotalSpeed += t.Speed
	case Queued, Waiting:
		s.Queued++
	case Completed:
		s.Completed++
	case Failed:
		s.Failed++
	case Paused:
		s.Paused++
	case Cancelled:
		s.Cancelled++
	}
}

// DBCounts spells stored per-state counts the way PROTOCOL.md does.
func DBCounts(perState map[State]int64) map[string]int64 {
	out := make(map[string]int64, len(States)+1)
	var all int64
	for _, s := range States {
		out[strings.ToLower(string(s))] = perState[s]
		all += perState[s]
	}
	out["all"] = all
	return out
}
