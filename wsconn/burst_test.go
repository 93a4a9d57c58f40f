package wsconn_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/enginetest"
	"github.com/fetchd/fetchd/wsconn/client"
)

// A client that reads is never closed as a slow consumer, even when one
// request makes thousands of messages at once: a 10,000-item batch.
func TestAReaderGetsEveryTaskOfAHugeBatch(t *testing.T) {
	h := enginetest.Start(t, func(c *engine.Config) { n := 1; c.Settings.MaxConcurrent = &n })
	h.Call("POST", "/api/downloads/pause-all", nil, nil)
	c := dial(t, h, client.Options{})
	nextOf(t, c, "SYNC_ALL", 5*time.Second)
	const n = 10_000
	items := make([]map[string]any, n)
	for i := range items {
		items[i] = map[string]any{"url": fmt.Sprintf("http://127.0.0.1:1/huge/%d", i)}
	}
	created := make(chan int, 1)
	go func() { // the client reads while the batch is created, as a page would
		created <- h.Call("POST", "/api/batches", map[string]any{"batch_name": "huge", "items": items}, nil)
	}()
	added := 0
	for added < n {
		m, err := c.Read()
		if err != nil {
			t.Fatalf("after %d of %d TASK_ADDED: %v", added, n, err)
		}
		if m.Type == "TASK_ADDED" {
			added++
		}
	}
	if code := <-created; code != 201 {
		t.Fatalf("create: %d", code)
	}
}
