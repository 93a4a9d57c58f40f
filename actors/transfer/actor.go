package transfer

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// claimTimeout bounds how long a transfer waits for its parent to name a file.
const claimTimeout = 10 * time.Second

// Actor owns one running transfer. The transfer runs on its own goroutine so the
// actor's mailbox stays free; stopping the actor cancels the transfer and waits
// until its file is closed, so nothing writes after the parent hears Finished.
type Actor struct {
	job    Job
	env    *Env
	cancel context.CancelCauseFunc
	done   chan struct{}
}

// Props builds the actor for job.
func Props(job Job, env *Env) *actor.Props {
	return actor.PropsFromProducer(func() actor.Actor { return &Actor{job: job, env: env} })
}

// Receive handles the actor's lifecycle.
func (a *Actor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		a.start(ctx)
	case *actor.Stopping:
		a.cancel(ErrStopped)
		<-a.done
	}
}

func (a *Actor) start(ctx actor.Context) {
	system, parent := ctx.ActorSystem(), ctx.Parent()
	runCtx, cancel := context.WithCancelCause(context.Background())
	t := &transfer{
		job:    a.job,
		env:    a.env,
		limit:  taskLimiter(a.job.SpeedLimit),
		report: func(msg any) { system.Root.Send(parent, msg) },
		claim: func(want string) (string, error) {
			res, err := system.Root.RequestFuture(parent, ClaimName{TaskID: a.job.TaskID, Dir: a.job.Dir, Want: want}, claimTimeout).Result()
			if err != nil {
				return "", retryable("naming the file: %v", err)
			}
			if name := res.(Named).Filename; name != "" {
				return name, nil
			}
			return "", ErrStopped // the task is gone or no longer running
		},
		plan: func(p Plan) bool {
			res, err := system.Root.RequestFuture(parent, p, claimTimeout).Result()
			return err == nil && res.(Planned).OK
		},
	}
	done := make(chan struct{})
	a.cancel, a.done = cancel, done
	go func() {
		defer close(done)
		var fin Finished
		defer func() {
			// A panic in a transfer fails its task; the daemon and the other
			// downloads carry on.
			if r := recover(); r != nil {
				fin.Err = fatal("internal error: download crashed: %v", r)
			}
			fin.TaskID, fin.Ranges = a.job.TaskID, t.job.Ranges
			system.Root.Send(parent, fin)
		}()
		fin.Downloaded, fin.Size, fin.Err = t.run(runCtx)
	}()
}

// unwrapURLError drops the "Get \"url\": " prefix net/http adds.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// taskLimiter is a task's own limit: bursts of at most one second's worth.
func taskLimiter(bytesPerSec int64) *Limiter {
	if bytesPerSec <= 0 {
		return nil
	}
	l := NewLimiter()
	l.Set(bytesPerSec, int(min(bytesPerSec, 1<<30)))
	return l
}
