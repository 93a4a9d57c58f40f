package task

import (
	"encoding/json"
	"fmt"
	"slices"
)

// State is where a task is in its life.
type State string

const (
	Queued      State = "QUEUED"
	Starting    State = "STARTING"
	Downloading State = "DOWNLOADING"
	Paused      State = "PAUSED"
	Waiting     State = "WAITING" // retry back-off; see WaitUntil
	Completed   State = "COMPLETED"
	Failed      State = "FAILED"
	Cancelled   State = "CANCELLED"
)

// States lists every state in PROTOCOL.md's order.
var States = []State{Queued, Starting, Downloading, Paused, Waiting, Completed, Failed, Cancelled}

// Valid reports whether s is one of PROTOCOL.md's states.
func (s State) Valid() bool {
	for _, v := range States {
		if s == v {
			return true
		}
	}
	return false
}

// Order is s's place in States, so that sorting by state follows a task's
// life rather than the alphabet.
func (s State) Order() int { return slices.Index(States, s) }

// Active reports whether a transfer is (or is about to be) running.
func (s State) Active() bool { return s == Starting || s == Downloading }

// ParseState accepts a state name as PROTOCOL.md spells it.
func ParseState(s string) (State, error) {
	if st := State(s); st.Valid() {
		return st, nil
	}
	return "", fmt.Errorf("unknown state %q", s)
}

// UnmarshalJSON refuses names that are not states, so a corrupt record or a bad
// request never smuggles in a state the engine cannot handle.
func (s *State) UnmarshalJSON(b []byte) error {
	var raw string
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	st, err := ParseState(raw)
	if err != nil {
		return err
	}
	*s = st
	return nil
}
