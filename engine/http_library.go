package engine

import (
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

func (e *Engine) listLibrary(w http.ResponseWriter, r *http.Request) error {
	items, err := e.Library()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
	return nil
}

func (e *Engine) getLibraryItem(w http.ResponseWriter, r *http.Request) error {
	item, err := e.LibraryItem(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item)
	return nil
}

func (e *Engine) patchLibraryItem(w http.ResponseWriter, r *http.Request) error {
	var p task.LibraryPatch
	if err := decodeBody(r, &p); err != nil {
		return err
	}
	item, err := e.PatchLibraryItem(r.PathValue("id"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item)
	return nil
}

func (e *Engine) deleteLibraryItem(w http.ResponseWriter, r *http.Request) error {
	withFiles, err := boolParam(r, "delete_files")
	if err == nil {
		err = e.DeleteLibraryItem(r.PathValue("id"), withFiles)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
