package bus

import (
	"strings"
	"testing"
)

// A bus address in a log line or an error never shows its password.
func TestRedactedHidesPasswords(t *testing.T) {
	got := Redacted("nats://alice:s3cret@n1:4222,nats://n2:4222")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "alice") || !strings.Contains(got, "n2:4222") {
		t.Fatalf("Redacted = %q", got)
	}
}
