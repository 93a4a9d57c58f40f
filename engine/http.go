package engine

import (
	"net/http"

	"github.com/rs/zerolog/hlog"

	"github.com/fetchd/fetchd/engine/apierr"
	"github.com/fetchd/fetchd/engine/auth"
	"github.com/fetchd/fetchd/engine/webui"
)

// maxBody is the largest request body the API reads.
const maxBody = 1 << 20

// Handler serves the REST API.
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(pattern string, h handlerFunc) { mux.Handle(pattern, handle(h)) }
	route("GET /api/health", e.health)
	route("POST /api/downloads", e.createTask)
	route("GET /api/downloads", e.listTasks)
	route("GET /api/downloads/stats", e.stats)
	route("POST /api/downloads/pause-all", e.actAllHandler(e.PauseAll))
	route("POST /api/downloads/resume-all", e.actAllHandler(e.ResumeAll))
	route("POST /api/batches", e.createBatch)
	route("GET /api/downloads/batches", e.listBatches)
	route("GET /api/downloads/batch/{id}/items", e.batchItems)
	route("POST /api/downloads/batch/{id}/{action}", e.actOnBatch)
	route("DELETE /api/downloads/batch/{id}", e.deleteBatch)
	route("GET /api/library", e.listLibrary)
	route("GET /api/library/{id}", e.getLibraryItem)
	route("PATCH /api/library/{id}", e.patchLibraryItem)
	route("DELETE /api/library/{id}", e.deleteLibraryItem)
	route("GET /api/downloads/{id}", e.getTask)
	route("GET /api/downloads/{id}/file", e.taskFile)
	route("DELETE /api/downloads/{id}", e.deleteTask)
	route("POST /api/downloads/{id}/{action}", e.actOnTask)
	mux.Handle("GET /api/ws", e.ws)
	mux.Handle("/jsonrpc", e.aria2.Handler(e.ws.RPCHandler(e.aria2)))
	route("GET /api/settings", e.getSettings)
	route("PUT /api/settings", e.putSettings)
	e.routeOps(mux)
	route("/api/", func(w http.ResponseWriter, r *http.Request) error { return noEndpoint(r, "") })
	mux.Handle("/", webui.Handler())

	log := e.cfg.Logger.With().Str("component", "http").Logger()
	var h http.Handler = mux
	h = auth.Require(e.cfg.Token, h)
	h = limitBody(h)
	h = e.guardBrowser(h)
	h = accessLog(h)
	return hlog.NewHandler(log)(h)
}

// noEndpoint is the 404 of a path the API does not serve.
func noEndpoint(r *http.Request, hint string) error {
	return apierr.New(http.StatusNotFound, "not_found", "no endpoint "+r.Method+" "+r.URL.Path+hint)
}

// limitBody answers 413 to a body over maxBody before anyone reads it.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBody {
			errTooLarge.Write(w)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		next.ServeHTTP(w, r)
	})
}
