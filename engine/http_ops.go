package engine

import (
	"net/http"
	"net/http/pprof"
)

// routeOps adds the operator's endpoints: metrics, and profiles when enabled.
func (e *Engine) routeOps(mux *http.ServeMux) {
	mux.Handle("GET /metrics", e.metrics.Handler())
	if !e.cfg.Pprof {
		return
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
