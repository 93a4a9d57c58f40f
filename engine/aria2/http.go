package aria2

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// Handler serves /jsonrpc: POST a call or a batch, GET one call as
// ?method=&id=&params=<base64 JSON>, and a WebSocket upgrade, which goes to
// ws. The daemon's guard has already decided whether a browser origin may
// come here; what passed it gets the CORS answers browsers need to read.
func (s *Server) Handler(ws http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		switch {
		case r.Method == http.MethodOptions:
			preflight(w, r)
		case r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
			ws.ServeHTTP(w, r)
		case r.Method == http.MethodGet:
			s.reply(w, queryCall(r))
		case r.Method == http.MethodPost:
			body, err := io.ReadAll(r.Body)
			if err != nil { // over the body limit, or the client went away
				body = nil
			}
			s.reply(w, body)
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST, GET, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "1728000")
	w.WriteHeader(http.StatusOK)
}

// queryCall rebuilds the call of a GET: params is base64 of a JSON array
// (standard or URL alphabet, padded or not), id any text.
func queryCall(r *http.Request) []byte {
	q := r.URL.Query()
	c := map[string]any{"jsonrpc": "2.0", "method": q.Get("method")}
	if !q.Has("method") {
		delete(c, "method")
	}
	if q.Has("id") {
		c["id"] = q.Get("id")
	}
	if raw := q.Get("params"); raw != "" {
		p, ok := decodeBase64(raw)
		if !ok || !json.Valid(p) {
			return []byte("{") // answered as a parse error
		}
		c["params"] = json.RawMessage(p)
	}
	b, _ := json.Marshal(c)
	return b
}

func decodeBase64(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// reply answers a message with aria2's headers and status.
func (s *Server) reply(w http.ResponseWriter, msg []byte) {
	answer, status := s.answer(msg)
	w.Header().Set("Content-Type", "application/json-rpc")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	w.Write(answer)
}
