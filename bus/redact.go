package bus

import (
	"net/url"
	"strings"
)

// Redacted is a bus address fit for a log line or an error: the password of
// nats://user:password@host, in each of a comma-separated list, hidden.
func Redacted(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			parts[i] = u.Redacted()
		}
	}
	return strings.Join(parts, ",")
}
