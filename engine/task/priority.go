package task

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Priority is a priority as a client may send it: a number, a numeric
// string ("5"), or a word, LOW, NORMAL or HIGH in any case (PROTOCOL.md, task).
type Priority int

// The words a priority may be given as.
const (
	PriorityLow    Priority = -10
	PriorityNormal Priority = 0
	PriorityHigh   Priority = 10
)

var priorityWords = map[string]Priority{"LOW": PriorityLow, "NORMAL": PriorityNormal, "HIGH": PriorityHigh}

// UnmarshalJSON accepts every form PROTOCOL.md allows.
func (p *Priority) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*p = Priority(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%w: priority must be a whole number or LOW, NORMAL or HIGH, got %s", ErrInvalid, b)
	}
	v, err := ParsePriority(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// ParsePriority reads a priority from text: a whole number or a word.
func ParsePriority(s string) (Priority, error) {
	s = strings.TrimSpace(s)
	if v, ok := priorityWords[strings.ToUpper(s)]; ok {
		return v, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%w: priority must be a whole number or LOW, NORMAL or HIGH, got %q", ErrInvalid, s)
	}
	return Priority(n), nil
}
