package cli

import (
	"bytes"
	"encoding/json"
	stdlog "log"
	"testing"

	"github.com/rs/zerolog"
)

func TestServerErrorsJoinTheJSONLog(t *testing.T) {
	var buf bytes.Buffer
	l := stdlog.New(serverErrors{zerolog.New(&buf)}, "", 0)
	l.Printf("http: Accept error: %s; retrying in %v", "too many open files", "5ms")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("not one JSON line: %q: %v", buf.String(), err)
	}
	if line["level"] != "warn" || line["message"] != "http: Accept error: too many open files; retrying in 5ms" {
		t.Fatalf("line %v", line)
	}
}
