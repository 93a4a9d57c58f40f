package task

import "fmt"

// Action is something a user asks of a task.
type Action string

const (
	Pause  Action = "pause"
	Resume Action = "resume"
	Cancel Action = "cancel"
	Retry  Action = "retry"
	Delete Action = "delete"
)

// allowedFrom is PROTOCOL.md's table of which state each action may start from.
var allowedFrom = map[Action][]State{
	Pause:  {Queued, Starting, Downloading, Waiting},
	Resume: {Paused},
	Cancel: {Queued, Starting, Downloading, Waiting, Paused},
	Retry:  {Failed, Cancelled, Completed},
	Delete: States,
}

// ParseAction accepts one of the actions the REST paths name.
func ParseAction(s string) (Action, error) {
	if s == "redownload" { // PROTOCOL.md: an alias of retry
		return Retry, nil
	}
	a := Action(s)
	if _, ok := allowedFrom[a]; !ok {
		return "", fmt.Errorf("unknown action %q", s)
	}
	return a, nil
}

// Check returns nil when a may be applied to a task in state s, and otherwise an
// error wrapping ErrInvalidTransition that names both.
func (a Action) Check(s State) error {
	for _, from := range allowedFrom[a] {
		if from == s {
			return nil
		}
	}
	return fmt.Errorf("%w: cannot %s a task that is %s", ErrInvalidTransition, a, s)
}
