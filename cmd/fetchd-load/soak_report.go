package main

import (
	"fmt"
	"io"
	"time"
)

// The verdict on a soak. Sample 0 is taken as the clients finish
// connecting, before caches, pools and the store have reached their working
// size; sample 1 is the baseline. A column is flat when its last sample is at
// most 10 % above the baseline, or within the column's noise: what one
// instant can hold more than another while downloads start and finish and
// clients reconnect. The same test over the second half of the run (from
// its middle sample to the last) tells a warm-up longer than one interval,
// which stops, from a leak, which goes on.
const flatGrowth = 0.10

var soakColumns = []struct {
	name  string
	noise float64
	of    func(soakSample) int64
}{
	{"RSS", 8 << 20, func(s soakSample) int64 { return s.RSS }},
	{"goroutines", 100, func(s soakSample) int64 { return s.Goroutines }},
	{"open fds", 50, func(s soakSample) int64 { return s.FDs }},
	{"store", 8 << 20, func(s soakSample) int64 { return s.StoreBytes }},
}

// soakVerdict is one column's growth from the baseline to the last sample,
// and over the second half.
type soakVerdict struct {
	Column     string  `json:"column"`
	Baseline   int64   `json:"baseline"`
	Middle     int64   `json:"middle"`
	Last       int64   `json:"last"`
	Max        int64   `json:"max"`
	Growth     float64 `json:"growth"` // (last-baseline)/baseline
	Flat       bool    `json:"flat"`
	HalfGrowth float64 `json:"second_half_growth"` // (last-middle)/middle
	HalfFlat   bool    `json:"second_half_flat"`
	Known      bool    `json:"known"` // false: the column could not be measured, or too few samples
}

func judge(samples []soakSample) []soakVerdict {
	var out []soakVerdict
	last := len(samples) - 1
	for _, c := range soakColumns {
		v := soakVerdict{Column: c.name}
		if last >= 2 && c.of(samples[1]) > 0 && c.of(samples[last/2]) > 0 {
			v.Known = true
			v.Baseline, v.Middle, v.Last = c.of(samples[1]), c.of(samples[last/2]), c.of(samples[last])
			for _, s := range samples[1:] {
				v.Max = max(v.Max, c.of(s))
			}
			v.Growth, v.Flat = growth(v.Baseline, v.Last, c.noise)
			v.HalfGrowth, v.HalfFlat = growth(v.Middle, v.Last, c.noise)
		}
		out = append(out, v)
	}
	return out
}

// growth is how much from grew to reach to, and whether that is flat.
func growth(from, to int64, noise float64) (float64, bool) {
	grew := float64(to - from)
	g := grew / float64(from)
	return g, g <= flatGrowth || grew <= noise
}

func printSoakHeader(w io.Writer) {
	fmt.Fprintf(w, "%8s  %9s  %10s  %8s  %10s  %6s  %9s  %7s\n", "elapsed", "RSS", "goroutines", "open fds", "store", "tasks", "completed", "clients")
}

func printSoakRow(w io.Writer, s soakSample) {
	fmt.Fprintf(w, "%8s  %9s  %10s  %8s  %10s  %6d  %9d  %7d\n", s.Elapsed.Round(time.Second), mb(s.RSS), count(s.Goroutines), count(s.FDs), mb(s.StoreBytes), s.Tasks, s.Completed, s.Clients)
}

// table prints the samples as a Markdown table, what the workload did, and
// the verdict.
func (r *soakResult) table(w io.Writer) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| elapsed | daemon RSS | goroutines | open fds | store on disk | tasks | completed | clients |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, s := range r.Samples {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %d | %d |\n", s.Elapsed.Round(time.Second), mb(s.RSS), count(s.Goroutines), count(s.FDs), mb(s.StoreBytes), s.Tasks, s.Completed, s.Clients)
	}
	k := r.Work
	fmt.Fprintf(w, "\nworkload: %d downloads added, %d completed, %d failed, %d deleted with their files, %d library items cleared; %d pauses, %d resumes; %d clients reconnected; %d API errors\n",
		k.Added, k.Completed, k.Failed, k.Deleted, k.Cleared, k.Paused, k.Resumed, k.Reconnected, k.Errors)
	fmt.Fprintf(w, "verdict, sample 1 (after warm-up) to the last, and the middle sample to the last; flat = at most %.0f %% above, or within the column's noise:\n", 100*flatGrowth)
	for _, v := range r.Verdict {
		if !v.Known {
			fmt.Fprintf(w, "  %-10s n/a\n", v.Column)
			continue
		}
		f := func(n int64) string { return format(v.Column, n) }
		fmt.Fprintf(w, "  %-10s %s -> %s (max %s): %+.1f %%, %s; second half %s -> %s: %+.1f %%, %s\n", v.Column, f(v.Baseline), f(v.Last), f(v.Max), 100*v.Growth, flatWord(v.Flat), f(v.Middle), f(v.Last), 100*v.HalfGrowth, flatWord(v.HalfFlat))
	}
}

func flatWord(flat bool) string {
	if flat {
		return "flat"
	}
	return "GROWS"
}

func format(column string, v int64) string {
	if column == "RSS" || column == "store" {
		return mb(v)
	}
	return count(v)
}

func mb(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func count(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprint(n)
}
