package bus

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fetchd/fetchd/engine/backoff"
)

// Handlers are what a follower of the stream is told, each on the bus's
// own goroutine: they must not block.
type Handlers struct {
	Up      func()         // on the bus (again): ask for a snapshot
	Down    func(error)    // off it: what was heard may have a gap
	Message func(*Message) // the next message of the stream
	Refused func(error)    // something on the stream that is not a message
}

// Follower is a gateway's end of the bus.
type Follower struct {
	conn *nats.Conn
}

// Follow connects to the bus at url, retrying with back-off for as long as
// it is down, and hears the stream from then on.
func Follow(url string, h Handlers) (*Follower, error) {
	heard := make(chan struct{}) // Up waits for the stream to be heard first
	up := func(*nats.Conn) {
		<-heard
		h.Up()
	}
	conn, err := nats.Connect(url, nats.Name("fetchd gateway"), reconnecting(),
		nats.ConnectHandler(up), nats.ReconnectHandler(up),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { h.Down(err) }))
	if err != nil {
		return nil, fmt.Errorf("bus %s: %w", Redacted(url), err)
	}
	_, err = conn.Subscribe(StreamSubject, func(m *nats.Msg) {
		msg := &Message{}
		if err := msg.Unmarshal(m.Data); err != nil {
			h.Refused(err)
			return
		}
		h.Message(msg)
	})
	if err != nil {
		conn.Close()
		close(heard) // lets a handler that waits on it end
		return nil, fmt.Errorf("bus: %w", err)
	}
	close(heard)
	if conn.IsConnected() {
		go h.Up() // the handler may have run before the stream was heard
	}
	return &Follower{conn: conn}, nil
}

// Snapshot asks the engine for a SYNC_ALL at its place in the stream.
func (f *Follower) Snapshot(within time.Duration) (Snapshot, error) {
	var s Snapshot
	reply, err := f.conn.Request(SyncSubject, nil, within)
	if errors.Is(err, nats.ErrNoResponders) {
		return s, errors.New("no engine on the bus")
	}
	if err != nil {
		return s, err
	}
	return s, s.Unmarshal(reply.Data)
}

// Close leaves the bus.
func (f *Follower) Close() { f.conn.Close() }

// reconnecting retries a bus that is down, or was never up, for ever, with
// the project's back-off: from a quarter second to 10 s, jittered, so that a
// fleet of gateways does not knock at once.
func reconnecting() nats.Option {
	redial := backoff.Policy{Base: 250 * time.Millisecond, Max: 10 * time.Second}
	return func(o *nats.Options) error {
		o.MaxReconnect, o.RetryOnFailedConnect = -1, true
		o.CustomReconnectDelayCB = func(attempts int) time.Duration { return redial.Delay(attempts - 1) }
		return nil
	}
}
