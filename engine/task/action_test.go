package task

import (
	"errors"
	"strings"
	"testing"
)

func TestActionTable(t *testing.T) {
	allowed := map[Action]map[State]bool{
		Pause:  {Queued: true, Starting: true, Downloading: true, Waiting: true},
		Resume: {Paused: true},
		Cancel: {Queued: true, Starting: true, Downloading: true, Waiting: true, Paused: true},
		Retry:  {Failed: true, Cancelled: true, Completed: true},
		Delete: {Queued: true, Starting: true, Downloading: true, Paused: true, Waiting: true, Completed: true, Failed: true, Cancelled: true},
	}
	for a, from := range allowed {
		for _, s := range States {
			err := a.Check(s)
			if from[s] != (err == nil) {
				t.Errorf("%s from %s: %v", a, s, err)
			}
			if err != nil && (!errors.Is(err, ErrInvalidTransition) || !strings.Contains(err.Error(), string(a)) || !strings.Contains(err.Error(), string(s))) {
				t.Errorf("%s from %s: error %q must name both", a, s, err)
			}
		}
	}
}

func TestSettingsPatch(t *testing.T) {
	n := func(v int) *int { return &v }
	s, err := SettingsPatch{MaxConcurrent: n(8)}.Apply(DefaultSettings())
	if err != nil || s.MaxConcurrent != 8 || s.MaxRetries != 5 {
		t.Fatalf("apply: %+v %v", s, err)
	}
	if _, err := (SettingsPatch{MaxConcurrent: n(0)}).Apply(s); !errors.Is(err, ErrInvalid) {
		t.Fatalf("max_concurrent 0: %v", err)
	}
}
