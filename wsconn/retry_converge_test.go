package wsconn_test

import (
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

// A task that stalls, waits and retries, then completes: what the retry
// clears (the error, the retry time) reaches the client too.
func TestAClientConvergesAfterARetry(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { c.StallTimeout = 300 * time.Millisecond })
	w := watch(t, dial(t, h, client.Options{}))
	url := h.Origin.Add("/stall.bin", &enginetest.File{Data: enginetest.Bytes(64<<10, 1), Stalls: 1})
	tk := h.Add(map[string]any{"url": url})
	h.WaitState(tk.ID, task.Completed, 20*time.Second)
	converge(t, h, w, client.Position{})
}
