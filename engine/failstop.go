package engine

import (
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/wsconn"
)

// failStop supervises the engine's core actors (hub, publisher, manager,
// stats). protoactor's default would restart a failed one empty: a hub that
// forgot every socket (open, silent forever), a manager that announces every
// task again beside a second ticker. Instead the failed actor is stopped and
// the engine fails as a whole: every client is closed with 1011 so it
// reconnects to the next start, which the store makes lossless.
type failStop struct {
	onFail func(child *actor.PID, reason any)
}

func (f *failStop) HandleFailure(_ *actor.ActorSystem, s actor.Supervisor, child *actor.PID, _ *actor.RestartStatistics, reason, _ any) {
	s.StopChildren(child)
	f.onFail(child, reason)
}

// fail stops the engine's service after a core actor failed: the API answers
// 503, every WebSocket is closed with 1011, and Failed is closed so that the
// daemon exits non-zero (a supervisor such as systemd starts it again).
func (e *Engine) fail(child *actor.PID, reason any) {
	err := fmt.Errorf("%s stopped after an internal error", child.Id)
	if !e.failure.CompareAndSwap(nil, &err) {
		return
	}
	e.log.Error().Str("actor", child.Id).Str("panic", fmt.Sprint(reason)).
		Msg("internal error: the engine stops; clients are closed with 1011 and every task is in the store for the next start")
	n := e.ws.CloseAll(wsconn.DisconnectInternalError)
	e.log.Info().Int("ws_closed", n).Msg("connections closed after the internal error")
	close(e.failed)
}

// Failed is closed when the engine has stopped serving after an internal
// error; Failure says why. The embedding program should Close the engine
// and start a new one.
func (e *Engine) Failed() <-chan struct{} { return e.failed }

// Failure is why the engine failed, or nil.
func (e *Engine) Failure() error {
	if err := e.failure.Load(); err != nil {
		return *err
	}
	return nil
}
