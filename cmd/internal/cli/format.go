package cli

import (
	"fmt"
	"io"
	"math"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

// humanBytes spells a byte count in binary units: 512 B, 1.5 KiB, 40.0 MiB.
func humanBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	f := float64(n) / 1024
	i := 0
	for f >= 1023.95 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// humanSpeed spells bytes per second; "" when there is no speed to show.
func humanSpeed(bps float64) string {
	if bps < 1 {
		return ""
	}
	return humanBytes(int64(bps)) + "/s"
}

// humanETA spells seconds left as 23s, 3m05s or 1h02m; "" when unknown.
func humanETA(sec float64) string {
	if sec <= 0 {
		return ""
	}
	d := time.Duration(math.Ceil(sec)) * time.Second
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 99:
		return ">99h"
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// percent spells a task's progress, or "-" while its size is unknown.
func percent(t *task.Task) string {
	if t.Size <= 0 && t.State != task.Completed {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", t.Progress)
}

// progressBar draws [#####.....] with width cells between the brackets.
func progressBar(pct float64, width int) string {
	filled := int(pct / 100 * float64(width))
	filled = max(0, min(width, filled))
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// taskName is a task's file name; until the daemon has settled it (at the
// start of the transfer) the last segment of the URL stands in.
func taskName(t *task.Task) string {
	if t.Filename != "" {
		return t.Filename
	}
	if u, err := url.Parse(t.URL); err == nil {
		if base := path.Base(u.Path); base != "." && base != "/" {
			return base
		}
	}
	return t.URL
}

// displayName is a task's file as the user thinks of it, with a note on why
// it is not moving when there is one.
func displayName(t *task.Task) string {
	name := taskName(t)
	if t.Destination != "" {
		name = t.Destination + "/" + name
	}
	if t.State == task.Failed || t.State == task.Waiting {
		if msg := oneLine(t.ErrorMessage); msg != "" {
			name += " (" + msg + ")"
		}
	}
	return name
}

func oneLine(s *string) string {
	if s == nil {
		return ""
	}
	return strings.Join(strings.Fields(*s), " ")
}

// writeTable prints tasks as fetchd ls shows them.
func writeTable(w io.Writer, tasks []task.Task) {
	if len(tasks) == 0 {
		fmt.Fprintln(w, "no downloads")
		return
	}
	const row = "%-8s  %-11s  %8s  %10s  %12s  %s\n"
	fmt.Fprintf(w, row, "ID", "STATE", "PROGRESS", "SIZE", "SPEED", "NAME")
	for i := range tasks {
		t := &tasks[i]
		size, speed := "-", "-"
		if t.Size > 0 {
			size = humanBytes(t.Size)
		}
		if s := humanSpeed(t.Speed); s != "" && t.State.Active() {
			speed = s
		}
		fmt.Fprintf(w, row, shortID(t.ID), t.State, percent(t), size, speed, displayName(t))
	}
}
