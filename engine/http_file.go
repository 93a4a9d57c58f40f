package engine

import (
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"

	"github.com/fetchd/fetchd/engine/apierr"
	"github.com/fetchd/fetchd/engine/task"
)

// taskFile serves a completed task's file. ServeContent answers Range and
// conditional requests; the file always comes as an attachment of opaque
// type, so that a downloaded HTML file never runs on the page's origin.
func (e *Engine) taskFile(w http.ResponseWriter, r *http.Request) error {
	t, err := e.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	if t.State != task.Completed {
		return apierr.New(http.StatusConflict, "conflict", "the file of a "+string(t.State)+" task cannot be fetched; only a COMPLETED one's")
	}
	rel := filepath.Join(filepath.FromSlash(t.Destination), t.Filename)
	if t.Filename == "" || !filepath.IsLocal(rel) {
		return errNoFile
	}
	f, err := os.Open(filepath.Join(e.cfg.DownloadDir, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return errNoFile
	}
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return errNoFile
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": t.Filename})
	if disposition == "" { // a name mime cannot quote: the browser names it
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", info.ModTime(), f)
	return nil
}

var errNoFile = apierr.New(http.StatusNotFound, "not_found", "the task's file is no longer on disk")
