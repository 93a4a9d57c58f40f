package engine

import (
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog/hlog"

	"github.com/fetchd/fetchd/engine/webui"
)

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// Handler serves the REST API.
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/health", e.health)
	mux.HandleFunc("POST /api/downloads", e.createDownload)
	mux.HandleFunc("GET /api/downloads", e.listDownloads)
	mux.HandleFunc("GET /api/downloads/stats", e.stats)
	mux.HandleFunc("POST /api/downloads/pause-all", e.actAllHandler(e.PauseAll))
	mux.HandleFunc("POST /api/downloads/resume-all", e.actAllHandler(e.ResumeAll))
	mux.HandleFunc("POST /api/batches", e.createBatch)
	mux.HandleFunc("GET /api/downloads/batches", e.listBatches)
	mux.HandleFunc("GET /api/downloads/batch/{id}/items", e.batchItems)
	mux.HandleFunc("POST /api/downloads/batch/{id}/{action}", e.actOnBatch)
	mux.HandleFunc("DELETE /api/downloads/batch/{id}", e.deleteBatch)
	mux.HandleFunc("GET /api/library", e.listLibrary)
	mux.HandleFunc("GET /api/library/{id}", e.getLibraryItem)
	mux.HandleFunc("PATCH /api/library/{id}", e.patchLibraryItem)
	mux.HandleFunc("DELETE /api/library/{id}", e.deleteLibraryItem)
	mux.HandleFunc("GET /api/downloads/{id}", e.getDownload)
	mux.HandleFunc("DELETE /api/downloads/{id}", e.deleteDownload)
	mux.HandleFunc("POST /api/downloads/{id}/{action}", e.actOnDownload)
	mux.Handle("GET /api/ws", e.ws)
	mux.HandleFunc("GET /api/settings", e.getSettings)
	mux.HandleFunc("PUT /api/settings", e.putSettings)
	e.routeOps(mux)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no endpoint "+r.Method+" "+r.URL.Path)
	})
	mux.Handle("/", webui.Handler())

	log := e.cfg.Logger.With().Str("component", "http").Logger()
	var h http.Handler = mux
	h = e.requireToken(h)
	h = limitBody(h)
	h = hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		hlog.FromRequest(r).Info().Str("method", r.Method).Str("path", r.URL.Path).
			Int("status", status).Int("bytes", size).Dur("duration", d).Str("remote", r.RemoteAddr).Msg("request")
	})(h)
	return hlog.NewHandler(log)(h)
}

// requireToken checks the token, when one is configured, on everything but
// the health check and the static page.
func (e *Engine) requireToken(next http.Handler) http.Handler {
	if e.cfg.Token == "" {
		return next
	}
	want := []byte(e.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/health" || !isProtected(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if subtle.ConstantTimeCompare([]byte(presentedToken(r)), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fetchd"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid token: send Authorization: Bearer <token> or X-Api-Key")
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

// limitBody answers 413 to a body over maxBody before anyone reads it.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "request body is larger than 1 MiB")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}
