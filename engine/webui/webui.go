// Package webui is fetchd's live web page: one HTML file, a few ES modules
// and one style sheet, embedded in the binary. The page holds no state of its own
// beyond the tasks dialect of GET /api/ws; it needs no build step and loads
// nothing from outside the daemon.
package webui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strconv"
)

//go:embed static
var static embed.FS

// asset is one file the page is made of, read once.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets maps each served path to its file.
var assets = map[string]*asset{
	"/":          load("static/index.html", "text/html; charset=utf-8"),
	"/app.js":    load("static/app.js", "text/javascript; charset=utf-8"),
	"/add.js":    load("static/add.js", "text/javascript; charset=utf-8"),
	"/api.js":    load("static/api.js", "text/javascript; charset=utf-8"),
	"/panels.js": load("static/panels.js", "text/javascript; charset=utf-8"),
	"/util.js":   load("static/util.js", "text/javascript; charset=utf-8"),
	"/style.css": load("static/style.css", "text/css; charset=utf-8"),
}

func load(file, contentType string) *asset {
	body, err := static.ReadFile(file)
	if err != nil {
		panic("webui: " + err.Error()) // embedded at build time: cannot happen
	}
	sum := sha256.Sum256(body)
	return &asset{body: body, contentType: contentType, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// Handler serves the page at / and its assets to GET and HEAD; any other
// path is 404 and any other method 405. It checks the method itself so that
// it can be mounted at "/" beside a method-less "/api/" catch-all, which a
// "GET /" pattern would conflict with. Cache-Control: no-cache makes browsers
// revalidate, which the ETag answers with 304 until the binary changes.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Type", a.contentType)
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodHead {
			w.Write(a.body)
		}
	})
}
