package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestConsoleLogHasNoColoursOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger("info", "console", &buf)
	if err != nil {
		t.Fatal(err)
	}
	log.Info().Str("component", "server").Msg("hello")
	if out := buf.String(); !strings.Contains(out, "hello") || strings.Contains(out, "\x1b") {
		t.Fatalf("console log off a terminal: %q", out)
	}
}
