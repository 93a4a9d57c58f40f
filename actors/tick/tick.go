// Package tick sends an actor a message at a fixed interval from a plain
// time.Ticker goroutine: the actor system's own timer scheduler is not
// race-free, and a ticker that only Sends never blocks the actor.
package tick

import (
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Every sends msg to pid every interval until the returned stop is called.
// stop may be called more than once.
func Every(root *actor.RootContext, pid *actor.PID, every time.Duration, msg any) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				root.Send(pid, msg)
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}
