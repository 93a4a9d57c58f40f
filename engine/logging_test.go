package engine

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestActorLogsKeepTheStreamsFields(t *testing.T) {
	var buf bytes.Buffer
	log := actorLogger(zerolog.New(&buf).Level(zerolog.InfoLevel))
	log.Info("chatter")
	log.Warn("[DeadLetter]", "message", "payload", "component", "x")
	out := buf.String()
	if strings.Contains(out, "chatter") {
		t.Fatalf("info chatter reached an info-level stream: %s", out)
	}
	if strings.Count(out, `"message":`) != 1 || !strings.Contains(out, `"actor_message":"payload"`) ||
		strings.Count(out, `"component":`) != 1 || !strings.Contains(out, `"component":"actor"`) {
		t.Fatalf("fields clash: %s", out)
	}
}
