package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

// draw replaces the last frame with the current one.
func (v *watchView) draw() {
	cols, rows := v.size()
	lines := v.frame(cols, rows)
	var b strings.Builder
	switch {
	case v.drawn > 0 && cols != v.lastCols:
		// The old frame may have wrapped: start again from a clear screen.
		b.WriteString("\x1b[H\x1b[2J")
	case v.drawn > 0:
		fmt.Fprintf(&b, "\r\x1b[%dA", v.drawn)
	}
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\x1b[K\n")
	}
	b.WriteString("\x1b[J")
	io.WriteString(v.out, b.String())
	v.drawn, v.lastCols, v.dirty = len(lines), cols, false
}

// frame is the text of one redraw: a summary line, then one line per task,
// as many as fit in rows; no line reaches the last column.
func (v *watchView) frame(cols, rows int) []string {
	width := max(cols-1, 20)
	lines := []string{truncate(v.summary(), width)}
	tasks := byRelevance(v.sorted())
	room := rows - 3 // the summary, a line of "more", and the cursor's line
	if v.keys != nil {
		room-- // the keys' line
	}
	room = max(room, 1)
	hidden := 0
	if len(tasks) > room {
		hidden = len(tasks) - room
		tasks = tasks[:room]
	}
	v.shown = v.shown[:0]
	for _, t := range tasks {
		v.shown = append(v.shown, t.ID)
	}
	if v.keys != nil && !slices.Contains(v.shown, v.selected) {
		v.selected = ""
		if len(v.shown) > 0 {
			v.selected = v.shown[0]
		}
	}
	for _, t := range tasks {
		line := truncate(taskLine(t, width), width)
		if v.keys != nil && t.ID == v.selected {
			line = "\x1b[7m" + line + "\x1b[0m" // reverse video
		}
		lines = append(lines, line)
	}
	if hidden > 0 {
		lines = append(lines, truncate(fmt.Sprintf("… and %d more (fetchd ls lists them all)", hidden), width))
	}
	if v.keys != nil {
		hint := keyHint
		if v.note != "" {
			hint += "  |  " + v.note
		}
		lines = append(lines, truncate(hint, width))
	}
	return lines
}

// summary is the frame's first line: the link, then ENGINE_STATS.
func (v *watchView) summary() string {
	switch {
	case !v.synced:
		return "connecting to " + v.server + " …"
	case v.lost:
		return "lost " + v.server + ": reconnecting …"
	}
	s := v.stats
	if s == nil { // until the first ENGINE_STATS, count what is known
		s = &task.Stats{}
		for _, t := range v.mirror.Tasks {
			s.Count(&t)
		}
	}
	line := fmt.Sprintf("%s  %d active, %d queued, %d paused, %d completed, %d failed",
		v.server, s.ActiveDownloads, s.Queued, s.Paused, s.Completed, s.Failed)
	if s.Cancelled > 0 {
		line += fmt.Sprintf(", %d cancelled", s.Cancelled)
	}
	if sp := humanSpeed(s.TotalSpeed); sp != "" {
		line += "  " + sp
	}
	return line
}

// byRelevance orders tasks as the frame shows them: running ones first,
// then waiting, queued, paused, failed, and the most recently finished;
// creation order within each.
func byRelevance(tasks []*task.Task) []*task.Task {
	rank := func(t *task.Task) int {
		switch t.State {
		case task.Starting, task.Downloading:
			return 0
		case task.Waiting:
			return 1
		case task.Queued:
			return 2
		case task.Paused:
			return 3
		case task.Failed:
			return 4
		}
		return 5
	}
	finished := func(t *task.Task) time.Time {
		if t.CompletedAt != nil {
			return *t.CompletedAt
		}
		return t.CreatedAt
	}
	out := slices.Clone(tasks)
	slices.SortStableFunc(out, func(a, b *task.Task) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 || rank(a) < 5 {
			return c
		}
		return finished(b).Compare(finished(a))
	})
	return out
}

// taskLine is one task in a frame of width columns:
// id, bar, percentage, speed, ETA, state, name.
func taskLine(t *task.Task, width int) string {
	const fixed = 8 + 2 + 2 + 1 + 6 + 2 + 12 + 2 + 9 + 2 + 11 + 2 // all but the bar's cells and the name
	rest := width - fixed
	bar := 0
	if rest >= 20 {
		bar = min(max(rest/3, 10), 30)
	}
	speed, eta := "", ""
	if t.State.Active() {
		speed = humanSpeed(t.Speed)
		if e := humanETA(t.ETA); e != "" {
			eta = "eta " + e
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s  ", shortID(t.ID))
	if bar > 0 {
		pct := t.Progress
		if t.State == task.Completed {
			pct = 100
		}
		b.WriteString(progressBar(pct, bar) + " ")
	}
	fmt.Fprintf(&b, "%6s  %12s  %9s  %-11s  %s", percent(t), speed, eta, t.State, truncate(displayName(t), max(rest-bar, 1)))
	return b.String()
}
