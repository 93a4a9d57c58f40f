package engine_test

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

func scrape(t *testing.T, h *enginetest.Daemon, header ...string) (int, string) {
	t.Helper()
	resp, body := get(t, h, "/metrics", header...)
	return resp.StatusCode, string(body)
}

func metric(t *testing.T, body, name string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in\n%s", name, body)
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func TestMetrics(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.Token = "tok" })
	if code, _ := scrape(t, h, "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Fatalf("metrics without the token: %d", code)
	}
	c, err := client.Dial(t.Context(), client.Options{Server: h.Srv.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m, err := c.Read(); err != nil || m.Type != "SYNC_ALL" { // attached before the task exists
		t.Fatalf("first message %v, %v", m.Type, err)
	}
	data := enginetest.Bytes(256<<10, 3)
	h.Auth = "tok"
	tk := h.Add(map[string]any{"url": h.Origin.Add("/m.bin", &enginetest.File{Data: data})})
	h.WaitState(tk.ID, task.Completed, 10*time.Second)
	var body string
	enginetest.Eventually(t, 5*time.Second, "the metrics to show the download", func() bool {
		var code int
		code, body = scrape(t, h, "Authorization", "Bearer tok")
		return code == 200 && metric(t, body, "fetchd_downloaded_bytes_total") == float64(len(data))
	})
	if metric(t, body, "fetchd_ws_connections") != 1 || metric(t, body, `fetchd_ws_messages_sent_total{type="task_added"}`) != 1 ||
		metric(t, body, `fetchd_ws_messages_sent_total{type="sync_all"}`) != 1 || metric(t, body, "go_goroutines") == 0 ||
		metric(t, body, "process_resident_memory_bytes") == 0 {
		t.Fatalf("metrics:\n%s", body)
	}
}
