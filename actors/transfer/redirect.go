package transfer

import (
	"errors"
	"net/http"
)

// maxRedirects is how many redirects a request follows; one more is a loop.
const maxRedirects = 10

var errRedirectLoop = errors.New("redirect loop: more than 10 redirects")

// LimitRedirects returns a copy of c that fails with errRedirectLoop past
// maxRedirects, so the failure can be told from a network error. A check c
// already has still runs.
func LimitRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	limited := *c
	limited.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return errRedirectLoop
		}
		if c.CheckRedirect != nil {
			return c.CheckRedirect(req, via)
		}
		return nil
	}
	return &limited
}
