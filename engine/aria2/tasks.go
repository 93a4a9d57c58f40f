package aria2

import (
	"errors"
	"fmt"

	"github.com/fetchd/fetchd/engine/task"
)

// lookup finds the task of the gid in parameter i, in aria2's words when
// the gid is malformed or unknown.
func (s *Server) lookup(p params, i int) (task.Task, *rpcError) {
	gid, rerr := p.str(i)
	if rerr != nil {
		return task.Task{}, rerr
	}
	if !validGID(gid) {
		return task.Task{}, failed("Invalid GID " + gid)
	}
	notFound := failed("GID " + gid + " is not found")
	id, ok := s.gids.id(gid)
	if !ok { // a task made before this run, or by REST: learn every gid
		tasks, rerr := s.tasksIn()
		if rerr != nil {
			return task.Task{}, rerr
		}
		for i := range tasks {
			s.gids.of(tasks[i].ID)
		}
		if id, ok = s.gids.id(gid); !ok {
			return task.Task{}, notFound
		}
	}
	t, err := s.cfg.Engine.Get(id)
	if errors.Is(err, task.ErrNotFound) {
		s.gids.forget(id)
		return task.Task{}, notFound
	}
	if err != nil {
		return task.Task{}, failed(err.Error())
	}
	return t, nil
}

// act applies an action to the task of p[0] and answers its gid; refused
// is aria2's message for a task the action does not apply to.
func (s *Server) act(p params, a task.Action, refused string) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	gid := s.gids.of(t.ID)
	if _, err := s.cfg.Engine.Act(t.ID, a); err != nil {
		if errors.Is(err, task.ErrInvalidTransition) {
			return nil, failed(fmt.Sprintf("GID#%s cannot be %s now", gid, refused))
		}
		return nil, failed(err.Error())
	}
	return gid, nil
}

func (s *Server) remove(p params) (any, *rpcError)  { return s.act(p, task.Cancel, "removed") }
func (s *Server) pause(p params) (any, *rpcError)   { return s.act(p, task.Pause, "paused") }
func (s *Server) unpause(p params) (any, *rpcError) { return s.act(p, task.Resume, "unpaused") }

func (s *Server) pauseAll(params) (any, *rpcError)   { return okOr(s.cfg.Engine.PauseAll()) }
func (s *Server) unpauseAll(params) (any, *rpcError) { return okOr(s.cfg.Engine.ResumeAll()) }

func okOr(_ int, err error) (any, *rpcError) {
	if err != nil {
		return nil, failed(err.Error())
	}
	return "OK", nil
}

// stopped reports whether aria2 would keep t among its download results.
func stopped(s task.State) bool {
	return s == task.Completed || s == task.Failed || s == task.Cancelled
}

// removeDownloadResult forgets a stopped task (its file stays).
func (s *Server) removeDownloadResult(p params) (any, *rpcError) {
	t, rerr := s.lookup(p, 0)
	if rerr != nil {
		return nil, rerr
	}
	if !stopped(t.State) {
		return nil, failed("Could not remove download result of GID#" + s.gids.of(t.ID))
	}
	if err := s.cfg.Engine.Delete(t.ID, false); err != nil && !errors.Is(err, task.ErrNotFound) {
		return nil, failed(err.Error())
	}
	s.gids.forget(t.ID)
	return "OK", nil
}

// purgeDownloadResult forgets every stopped task.
func (s *Server) purgeDownloadResult(params) (any, *rpcError) {
	tasks, rerr := s.tasksIn()
	if rerr != nil {
		return nil, rerr
	}
	for _, t := range tasks {
		if !stopped(t.State) {
			continue
		}
		if err := s.cfg.Engine.Delete(t.ID, false); err != nil && !errors.Is(err, task.ErrNotFound) {
			return nil, failed(err.Error())
		}
		s.gids.forget(t.ID)
	}
	return "OK", nil
}

// changePosition has no counterpart: fetchd starts queued tasks by
// priority, then age, and keeps no position to move.
func (s *Server) changePosition(p params) (any, *rpcError) {
	if _, rerr := s.lookup(p, 0); rerr != nil {
		return nil, rerr
	}
	return nil, failed("aria2.changePosition is not supported: fetchd starts queued downloads by priority, then age")
}
