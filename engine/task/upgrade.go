package task

import (
	"maps"
	"net/url"
)

// Upgrade brings a task stored by an earlier build up to date: it gains its
// host, and credentials left in its URL move into basic auth, so that no
// output shows them.
func Upgrade(t *Task) {
	if t.Meta == nil {
		t.Meta = map[string]string{}
	}
	if u, err := url.Parse(t.URL); err == nil && u.User != nil {
		opts := RequestOptions{Headers: maps.Clone(t.RequestHeaders)}
		if _, has := opts.Headers["Authorization"]; has {
			u.User = nil // the header already says who the task is
		}
		if h, clean, err := opts.RequestHeaders(u); err == nil {
			t.URL, t.RequestHeaders = clean.String(), h
		}
	}
	if t.Host == "" {
		t.Host = HostOf(t.URL)
	}
	t.Headers = ShownHeaders(t.RequestHeaders)
	if t.Connections == 0 {
		t.Connections = 1 // stored before segmented downloads: as it ran then
	}
}
