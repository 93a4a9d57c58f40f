package engine

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog/hlog"
)

// accessLog logs one line per request, query included (token values
// redacted), with the duration's unit in its name.
func accessLog(next http.Handler) http.Handler {
	return hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		// A successful upgrade writes its 101 on the hijacked connection, past
		// the recorder; a refused one writes an error status through it.
		if status == 0 && websocket.IsWebSocketUpgrade(r) {
			status = http.StatusSwitchingProtocols
		}
		ev := hlog.FromRequest(r).Info().Str("method", r.Method).Str("path", r.URL.Path)
		if r.URL.RawQuery != "" {
			ev = ev.Str("query", redactQuery(r.URL.RawQuery))
		}
		ev.Int("status", status).Int("bytes", size).Float64("duration_ms", float64(d.Microseconds())/1000).
			Str("remote", r.RemoteAddr).Msg("request")
	})(next)
}

// redactQuery keeps a raw query as sent but for the values of token, and of
// params, where an aria2 GET call carries its "token:..." in base64.
func redactQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && (strings.EqualFold(name, "token") || strings.EqualFold(name, "params")) {
			parts[i] = k + "=<redacted>"
		}
	}
	return strings.Join(parts, "&")
}
