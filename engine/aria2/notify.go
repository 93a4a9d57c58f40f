package aria2

import (
	"encoding/json"
	"sync"

	"github.com/fetchd/fetchd/engine/task"
)

// Notify turns an event of the one ordered stream into aria2's
// notification, or nil. It runs on the hub, once per event for every aria2
// connection; it remembers each task's last state so that an update that
// leaves the state alone notifies nothing.
func (s *Server) Notify(ev task.Event) []byte {
	switch e := ev.(type) {
	case task.SyncAll:
		s.states.reset(e.Tasks)
	case task.TaskAdded:
		s.states.set(e.Task.ID, e.Task.State)
	case task.TaskUpdated:
		state, ok := stateIn(e.Delta)
		if !ok {
			return nil
		}
		if prev, known := s.states.set(e.Delta.ID, state); known && prev == state {
			return nil
		}
		return s.notification(e.Delta.ID, state)
	case task.TaskRemoved:
		defer s.gids.forget(e.ID) // after the notification has named it
		prev, known := s.states.drop(e.ID)
		if known && !stopped(prev) { // a task deleted as it ran stops
			return s.notification(e.ID, task.Cancelled)
		}
	}
	return nil
}

// notification names what entering state means to an aria2 client.
func (s *Server) notification(id string, state task.State) []byte {
	name := ""
	switch state {
	case task.Starting:
		name = "aria2.onDownloadStart"
	case task.Paused:
		name = "aria2.onDownloadPause"
	case task.Completed:
		name = "aria2.onDownloadComplete"
	case task.Failed:
		name = "aria2.onDownloadError"
	case task.Cancelled:
		name = "aria2.onDownloadStop"
	default:
		return nil
	}
	b, _ := json.Marshal(struct {
		JSONRPC string              `json:"jsonrpc"`
		Method  string              `json:"method"`
		Params  []map[string]string `json:"params"`
	}{"2.0", name, []map[string]string{{"gid": s.gids.of(id)}}})
	return b
}

// stateIn reads the state a TASK_UPDATED delta always carries.
func stateIn(d task.Delta) (task.State, bool) {
	var v struct {
		State task.State `json:"state"`
	}
	b := append(append([]byte{'{'}, d.Fields[min(1, len(d.Fields)):]...), '}') // fields start with a comma
	if json.Unmarshal(b, &v) != nil || v.State == "" {
		return "", false
	}
	return v.State, true
}

// stateMemo is the last state the stream told of each task.
type stateMemo struct {
	mu     sync.Mutex
	states map[string]task.State
}

func newStateMemo() *stateMemo { return &stateMemo{states: map[string]task.State{}} }

// reset starts over from a snapshot: one is sent to each new connection, so
// a memo left stale while nobody listened is renewed before it matters.
func (m *stateMemo) reset(tasks []task.Task) {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.states)
	for i := range tasks {
		m.states[tasks[i].ID] = tasks[i].State
	}
}

func (m *stateMemo) set(id string, s task.State) (prev task.State, known bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev, known = m.states[id]
	m.states[id] = s
	return prev, known
}

func (m *stateMemo) drop(id string) (prev task.State, known bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev, known = m.states[id]
	delete(m.states, id)
	return prev, known
}
