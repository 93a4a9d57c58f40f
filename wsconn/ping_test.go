package wsconn

import (
	"testing"
	"time"
)

// A ping timer that fires as its connection stops queues nothing and does
// not arm itself again.
func TestPingAfterStoppingDoesNotRearm(t *testing.T) {
	c := &connActor{limits: Limits{PingEvery: time.Hour}} // no outbox: a ping would panic
	c.ping = time.AfterFunc(time.Hour, func() {})
	c.ping.Stop()
	c.stopped.Store(true)
	c.pingNow()
	if c.ping.Stop() {
		t.Fatal("the ping timer was armed again after the connection stopped")
	}
}
