package aria2

import (
	"cmp"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// pieceLength is aria2's default piece size; fetchd has no pieces of its
// own, so numPieces and bitfield describe the file cut into these.
const pieceLength = 1 << 20

// statusOf is aria2's status word for a state.
func statusOf(s task.State) string {
	switch s {
	case task.Starting, task.Downloading:
		return "active"
	case task.Queued, task.Waiting:
		return "waiting"
	case task.Paused:
		return "paused"
	case task.Completed:
		return "complete"
	case task.Failed:
		return "error"
	default:
		return "removed"
	}
}

func num[T int | int64](v T) string { return strconv.FormatInt(int64(v), 10) }

// status is aria2's status struct of t, every number a decimal string.
func (s *Server) status(t *task.Task) map[string]any {
	speed := int64(0)
	if t.State.Active() {
		speed = int64(t.Speed)
	}
	st := map[string]any{
		"gid":             s.gids.of(t.ID),
		"status":          statusOf(t.State),
		"totalLength":     num(t.Size),
		"completedLength": num(t.Downloaded),
		"uploadLength":    "0",
		"downloadSpeed":   num(speed),
		"uploadSpeed":     "0",
		"connections":     num(t.Segments),
		"numPieces":       num(pieces(t.Size)),
		"pieceLength":     num(pieceLength),
		"dir":             s.dirOf(t),
		"files":           s.files(t),
	}
	if t.Size > 0 {
		st["bitfield"] = bitfield(t)
	}
	if stopped(t.State) { // aria2 tells an outcome only once there is one
		st["errorCode"], st["errorMessage"] = errorOf(t)
	}
	return st
}

// pick keeps only the keys asked for; none asked keeps all, as in aria2.
func pick(st map[string]any, keys []string) map[string]any {
	if len(keys) == 0 {
		return st
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := st[k]; ok {
			out[k] = v
		}
	}
	return out
}

// dirOf is the folder the task's file goes to.
func (s *Server) dirOf(t *task.Task) string {
	return filepath.Join(s.cfg.DownloadDir, filepath.FromSlash(t.Destination))
}

// files is aria2's one-file list of an HTTP download.
func (s *Server) files(t *task.Task) []map[string]any {
	path := ""
	if t.Filename != "" {
		path = filepath.Join(s.dirOf(t), t.Filename)
	}
	return []map[string]any{{
		"index":           "1",
		"path":            path,
		"length":          num(t.Size),
		"completedLength": num(t.Downloaded),
		"selected":        "true",
		"uris":            uris(t),
	}}
}

// uris is the one URI of a task, "used" as aria2 says of the URI it downloads.
func uris(t *task.Task) []map[string]string {
	return []map[string]string{{"uri": t.URL, "status": "used"}}
}

func pieces(size int64) int64 {
	if size <= 0 {
		return 0
	}
	return (size + pieceLength - 1) / pieceLength
}

// bitfield is aria2's hex string of pieces on disk, the first piece in the
// high bit: from a segmented task's ranges, else from the bytes counted from
// the start.
func bitfield(t *task.Task) string {
	n := pieces(t.Size)
	done := []task.Range{{Start: 0, Pos: t.Downloaded}}
	if t.State == task.Completed {
		done[0].Pos = t.Size
	} else if len(t.Ranges) > 0 {
		done = slices.Clone(t.Ranges)
		slices.SortFunc(done, func(a, b task.Range) int { return cmp.Compare(a.Start, b.Start) })
	}
	bits := make([]byte, (n+7)/8)
	for i := int64(0); i < n; i++ {
		if covers(done, i*pieceLength, min((i+1)*pieceLength, t.Size)) {
			bits[i/8] |= 0x80 >> (i % 8)
		}
	}
	return hex.EncodeToString(bits)
}

// covers reports whether the sorted ranges hold [from, to) without a gap.
func covers(done []task.Range, from, to int64) bool {
	at := from
	for _, d := range done {
		if d.Start > at {
			return false
		}
		if d.Pos > at {
			at = d.Pos
		}
		if at >= to {
			return true
		}
	}
	return at >= to
}

// errorOf is aria2's exit status and message of a stopped task: 0 unless it
// failed, then the aria2 code nearest to fetchd's reason.
func errorOf(t *task.Task) (string, string) {
	if t.State != task.Failed {
		return "0", ""
	}
	msg := ""
	if t.ErrorMessage != nil {
		msg = *t.ErrorMessage
	}
	l := strings.ToLower(msg)
	code := "1" // unknown error
	switch {
	case strings.Contains(l, "404") || strings.Contains(l, "not found"):
		code = "3"
	case strings.Contains(l, "checksum"):
		code = "32"
	case strings.Contains(l, "401") || strings.Contains(l, "403"):
		code = "24"
	case strings.Contains(l, "no such host"):
		code = "19"
	case strings.Contains(l, "timeout") || strings.Contains(l, "timed out"):
		code = "2"
	case strings.Contains(l, "space"):
		code = "9"
	case strings.Contains(l, "connection") || strings.Contains(l, "network"):
		code = "6"
	}
	return code, msg
}

// tellStatus, getFiles, getUris, getPeers and getServers read one task.
func (s *Server) tellStatus(p params) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	keys, rerr := p.strs(1)
	if rerr != nil {
		return nil, rerr
	}
	return pick(s.status(&t), keys), nil
}

// about answers what f says of the task of p[0].
func (s *Server) about(p params, f func(t *task.Task) any) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	return f(&t), nil
}

func (s *Server) getFiles(p params) (any, *rpcError) {
	return s.about(p, func(t *task.Task) any { return s.files(t) })
}

// getURIs and getPeers answer for a download in the queue; aria2 keeps no
// URI or peer data of a stopped one. An HTTP download has no peers.
func (s *Server) getURIs(p params) (any, *rpcError) {
	return s.unstopped(p, "No URI data is available for GID#", func(t *task.Task) any { return uris(t) })
}

func (s *Server) getPeers(p params) (any, *rpcError) {
	return s.unstopped(p, "No peer data is available for GID#", func(*task.Task) any { return []any{} })
}

// unstopped answers what f says of the task of p[0] unless it has stopped.
func (s *Server) unstopped(p params, refusal string, f func(t *task.Task) any) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	if stopped(t.State) {
		return nil, failed(refusal + s.gids.of(t.ID))
	}
	return f(&t), nil
}

// getServers lists the one origin of an active task, as aria2 does.
func (s *Server) getServers(p params) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	if !t.State.Active() {
		return nil, failed("No active download for GID#" + s.gids.of(t.ID))
	}
	return []map[string]any{{
		"index": "1",
		"servers": []map[string]string{{
			"uri": t.URL, "currentUri": t.URL, "downloadSpeed": num(int64(t.Speed)),
		}},
	}}, nil
}
