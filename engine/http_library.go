package engine

import (
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

func (e *Engine) listLibrary(w http.ResponseWriter, r *http.Request) {
	items, err := e.Library()
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

func (e *Engine) getLibraryItem(w http.ResponseWriter, r *http.Request) {
	item, err := e.LibraryItem(r.PathValue("id"))
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

func (e *Engine) patchLibraryItem(w http.ResponseWriter, r *http.Request) {
	var p task.LibraryPatch
	if err := decodeBody(r, &p); err != nil {
		writeErr(w, err)
		return
	}
	item, err := e.PatchLibraryItem(r.PathValue("id"), p)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, item)
}

func (e *Engine) deleteLibraryItem(w http.ResponseWriter, r *http.Request) {
	withFiles, err := boolParam(r, "delete_files")
	if err == nil {
		err = e.DeleteLibraryItem(r.PathValue("id"), withFiles)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
