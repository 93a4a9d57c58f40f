package engine

import "github.com/asynkron/protoactor-go/actor"

// SendToActor delivers msg to one of the engine's named actors ("hub",
// "publisher", "manager", "stats"), so that a test can make one fail.
func (e *Engine) SendToActor(name string, msg any) {
	e.system.Root.Send(actor.NewPID(e.system.Address(), name), msg)
}
