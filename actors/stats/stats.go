// Package stats is the stats actor: once per tick it asks the manager for the
// engine's figures and hands one ENGINE_STATS event to the hub for everyone.
package stats

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/fetchd/fetchd/actors/hub"
	"github.com/fetchd/fetchd/actors/manager"
	"github.com/fetchd/fetchd/actors/tick"
	"github.com/fetchd/fetchd/engine/task"
)

type tickMsg struct{}

// Stats is the actor.
type Stats struct {
	manager, hub *actor.PID
	every        time.Duration
	stop         func()
}

// Props spawns a stats actor that reports every interval.
func Props(managerPID, hubPID *actor.PID, every time.Duration) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor {
		return &Stats{manager: managerPID, hub: hubPID, every: every}
	})
}

// Receive handles ticks and the manager's answers.
func (s *Stats) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		s.stop = tick.Every(ctx.ActorSystem().Root, ctx.Self(), s.every, tickMsg{})
	case *actor.Stopping:
		s.stop()
	case tickMsg:
		ctx.Request(s.manager, manager.GetStats{})
	case manager.Reply[task.Stats]:
		ctx.Send(s.hub, hub.Broadcast{Event: task.EngineStats{Stats: msg.V}})
	}
}
