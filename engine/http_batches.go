package engine

import (
	"net/http"

	"github.com/fetchd/fetchd/engine/task"
)

func (e *Engine) createBatch(w http.ResponseWriter, r *http.Request) error {
	var req task.BatchRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	created, err := e.AddBatch(req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, created)
	return nil
}

func (e *Engine) listBatches(w http.ResponseWriter, r *http.Request) error {
	list, err := e.Batches()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func (e *Engine) batchItems(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	items, err := e.BatchItems(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"batch_id": id, "items": items})
	return nil
}

func (e *Engine) actOnBatch(w http.ResponseWriter, r *http.Request) error {
	a, err := parseAction(r)
	if err != nil {
		return err
	}
	n, err := e.ActBatch(r.PathValue("id"), a, false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"affected": n})
	return nil
}

func (e *Engine) deleteBatch(w http.ResponseWriter, r *http.Request) error {
	withFiles, err := boolParam(r, "delete_files")
	if err == nil {
		_, err = e.ActBatch(r.PathValue("id"), task.Delete, withFiles)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
