package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fetchd/fetchd/wsconn/client"
)

// fail reports err as `fetchd: <message>` and returns exit code 1.
func (c *invocation) fail(err error) int {
	fmt.Fprintln(c.stderr, "fetchd:", c.describe(err))
	return 1
}

// failFor reports an error about one of several subjects (an id, a URL).
func (c *invocation) failFor(subject string, several bool, err error) {
	if several {
		fmt.Fprintf(c.stderr, "fetchd: %s: %s\n", subject, c.describe(err))
		return
	}
	fmt.Fprintln(c.stderr, "fetchd:", c.describe(err))
}

// describe words err for the terminal, with a hint at the flag to fix.
func (c *invocation) describe(err error) string {
	var unreachable *client.UnreachableError
	var status *client.StatusError
	switch {
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &unreachable):
		hint := "check --server or FETCHD_SERVER"
		if unreachable.Refused() {
			hint = "is it running? start it with: fetchd"
		}
		return fmt.Sprintf("cannot reach the daemon at %s (%s): %s", unreachable.Server, unreachable.Reason(), hint)
	case errors.As(err, &status) && status.Status == http.StatusUnauthorized && c.api.Token != "":
		return "the daemon refused the token: check --token or FETCHD_TOKEN"
	case errors.As(err, &status) && status.Status == http.StatusUnauthorized:
		return "the daemon requires a token: pass --token or set FETCHD_TOKEN"
	case errors.As(err, &status) && status.FromDaemon():
		return strings.ReplaceAll(status.Message, "send force to", "add --force to") // the daemon names its field, not the flag
	case errors.As(err, &status):
		return fmt.Sprintf("%s %s answered %d %s: is --server pointing at fetchd?", status.Method, status.URL, status.Status, http.StatusText(status.Status))
	}
	return err.Error()
}

// fatal reports whether err makes further requests pointless.
func fatal(err error) bool {
	var unreachable *client.UnreachableError
	var status *client.StatusError
	return errors.As(err, &unreachable) || (errors.As(err, &status) && status.Status == http.StatusUnauthorized) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
