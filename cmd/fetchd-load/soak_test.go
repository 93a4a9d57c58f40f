package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// A short soak against a spawned daemon: every sample holds real figures,
// one row per sample is printed as it goes and again in the table, and the
// workload keeps the task count bounded.
func TestSoakSamplesTheDaemon(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "fetchd")
	if out, err := exec.Command("go", "build", "-o", bin, "../fetchd").CombinedOutput(); err != nil {
		t.Fatalf("build fetchd: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "soak.json")
	var stdout, stderr bytes.Buffer
	const downloads = 4
	code := run([]string{"--spawn", "--fetchd", bin, "--soak", "3s", "--sample-every", "1s",
		"--conns", "20", "--downloads", "4", "--json", jsonPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var res soakResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Samples) != 4 { // at the start and after each of 3 seconds
		t.Fatalf("%d samples, want 4:\n%s", len(res.Samples), &stdout)
	}
	for i, s := range res.Samples {
		if s.RSS <= 0 || s.Goroutines <= 0 || s.FDs <= 0 || s.StoreBytes <= 0 {
			t.Errorf("sample %d is not a real measurement: %+v", i, s)
		}
		if s.Tasks < 1 || s.Tasks > 2*downloads {
			t.Errorf("sample %d: %d tasks; the workload keeps 1 to %d", i, s.Tasks, 2*downloads)
		}
		if s.Clients < 1 {
			t.Errorf("sample %d: no client connected", i)
		}
	}
	live := len(regexp.MustCompile(`(?m)^ +\d+s  `).FindAllString(stdout.String(), -1))
	table := len(regexp.MustCompile(`(?m)^\| \d+s \|`).FindAllString(stdout.String(), -1))
	if live != 4 || table != 4 {
		t.Fatalf("%d live rows and %d table rows, want 4 of each:\n%s", live, table, &stdout)
	}
	if len(res.Verdict) != 4 || !res.Verdict[0].Known {
		t.Fatalf("verdict: %+v", res.Verdict)
	}
	if res.Work.Added < downloads || res.Work.Errors != 0 {
		t.Fatalf("workload: %+v\n%s", res.Work, &stderr)
	}
}
