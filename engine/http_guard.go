package engine

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fetchd/fetchd/engine/apierr"
)

// Web pages must not drive the daemon, even one without a token:
//
//   - DNS rebinding points a name the attacker owns at 127.0.0.1, so that a
//     page's requests are same-origin with the daemon. Such a request names
//     the attacker's host: only IP literals, localhost names and the hosts
//     the operator allowed are served.
//   - A page may send simple cross-site requests (a form, a text/plain POST)
//     without asking first. Requests that change state and come from a
//     browser (they carry Origin or Sec-Fetch-Site) must be same-origin or
//     from an allowed origin, and send JSON, which no simple request can.
//
// Scripts and the CLI send neither header and are not affected.

var (
	errHostNotAllowed = apierr.New(http.StatusMisdirectedRequest, "forbidden_host", "this daemon does not answer to that host name; start it with --allowed-hosts to add one")
	errCrossSite      = apierr.New(http.StatusForbidden, "forbidden", "cross-site request refused; start the daemon with --allowed-origins to allow that origin")
	errNotJSON        = apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "a browser must send this request as application/json")
)

// guardBrowser applies the two rules above before anything else runs.
func (e *Engine) guardBrowser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, e.cfg.AllowedHosts) {
			errHostNotAllowed.Write(w)
			return
		}
		if r.URL.Path == aria2Path {
			e.guardAria2(next, w, r)
			return
		}
		if changesState(r.Method) && fromBrowser(r) {
			if !sameOrigin(r) && !originAllowed(r.Header.Get("Origin"), e.cfg.AllowedOrigins) {
				errCrossSite.Write(w)
				return
			}
			if r.ContentLength != 0 && !isJSON(r.Header.Get("Content-Type")) {
				errNotJSON.Write(w)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// aria2Path is aria2's JSON-RPC endpoint, where every method, GET included,
// may change state.
const aria2Path = "/jsonrpc"

// guardAria2 lets a browser call aria2's JSON-RPC from the page itself or an
// allowed origin (an extension's chrome-extension:// or moz-extension://
// origin, a self-hosted AriaNg). With --token, any origin may try, as aria2
// with --rpc-secret allows: a page that does not know the token gets
// "Unauthorized" for every call. No content type is required: the origin
// rule already holds off cross-site forms, and GET calls have no body.
func (e *Engine) guardAria2(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if fromBrowser(r) && e.cfg.Token == "" && !sameOrigin(r) && !originAllowed(r.Header.Get("Origin"), e.cfg.AllowedOrigins) {
		errCrossSite.Write(w)
		return
	}
	next.ServeHTTP(w, r)
}

// hostAllowed accepts IP literals (no rebinding without a name), localhost
// names, and the allowed hosts ("*" for any).
func hostAllowed(hostport string, allowed []string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" || net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	return slices.ContainsFunc(allowed, func(a string) bool {
		return a == "*" || strings.EqualFold(strings.TrimSuffix(a, "."), host)
	})
}

func changesState(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

func fromBrowser(r *http.Request) bool {
	return r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != ""
}

// sameOrigin trusts the browser's own Sec-Fetch-Site when it sends one, and
// else compares Origin with the host the request was sent to (which the host
// rule has already vetted).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	u, err := url.Parse(r.Header.Get("Origin"))
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

func originAllowed(origin string, allowed []string) bool {
	return origin != "" && slices.ContainsFunc(allowed, func(a string) bool {
		return a == "*" || strings.EqualFold(strings.TrimRight(a, "/"), origin)
	})
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
