// Package auth is the token check that the engine and its gateways share.
package auth

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/fetchd/fetchd/engine/apierr"
)

var errUnauthorized = apierr.New(http.StatusUnauthorized, "unauthorized", "missing or invalid token: send Authorization: Bearer <token> or X-Api-Key")

// Require checks token, when there is one, on everything but the health
// check and the static page.
func Require(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/health" || !isProtected(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(presentedToken(r)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fetchd"`)
			errUnauthorized.Write(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func isProtected(path string) bool {
	return strings.HasPrefix(path, "/api/") || path == "/metrics" || strings.HasPrefix(path, "/debug/")
}

// presentedToken is the token a request carries; ?token= is accepted only on
// the WebSocket upgrade, where browsers cannot set headers.
func presentedToken(r *http.Request) string {
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(v)
	}
	if v := r.Header.Get("X-Api-Key"); v != "" {
		return v
	}
	if r.URL.Path == "/api/ws" {
		return r.URL.Query().Get("token")
	}
	return ""
}
