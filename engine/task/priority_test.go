package task

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestPriorityAcceptsNumbersNumericStringsAndWords(t *testing.T) {
	cases := []struct {
		in   string
		want Priority
	}{{`5`, 5}, {`-3`, -3}, {`"5"`, 5}, {`" 7 "`, 7}, {`"NORMAL"`, 0}, {`"high"`, 10}, {`"Low"`, -10}}
	for _, c := range cases {
		var r AddRequest
		if err := json.Unmarshal([]byte(`{"url":"http://x/","priority":`+c.in+`}`), &r); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if r.Priority != c.want {
			t.Fatalf("%s: got %d, want %d", c.in, r.Priority, c.want)
		}
	}
	for _, bad := range []string{`"urgent"`, `"5x"`, `1.5`, `true`, `{}`} {
		var r AddRequest
		err := json.Unmarshal([]byte(`{"url":"http://x/","priority":`+bad+`}`), &r)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: got %v, want ErrInvalid", bad, err)
		}
	}
}
