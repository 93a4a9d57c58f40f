package engine

import (
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

func (e *Engine) createBatch(w http.ResponseWriter, r *http.Request) {
	var req task.BatchRequest
	if err := decodeBody(r, &req); err != nil {
		writeErr(w, err)
		return
	}
	created, err := e.AddBatch(req)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

func (e *Engine) listBatches(w http.ResponseWriter, r *http.Request) {
	list, err := e.Batches()
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (e *Engine) batchItems(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	items, err := e.BatchItems(id)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"batch_id": id, "items": items})
}

func (e *Engine) actOnBatch(w http.ResponseWriter, r *http.Request) {
	a, err := task.ParseAction(r.PathValue("action"))
	if err != nil || a == task.Delete {
		writeError(w, http.StatusNotFound, "not_found", "no endpoint "+r.Method+" "+r.URL.Path+": actions are pause, resume, cancel and retry")
		return
	}
	n, err := e.ActBatch(r.PathValue("id"), a, false)
	if err != nil {
		writeErr(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"affected": n})
}

func (e *Engine) deleteBatch(w http.ResponseWriter, r *http.Request) {
	withFiles, err := boolParam(r, "delete_files")
	if err == nil {
		_, err = e.ActBatch(r.PathValue("id"), task.Delete, withFiles)
	}
	if err != nil {
		writeErr(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
