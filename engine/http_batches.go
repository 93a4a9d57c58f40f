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

type batchListResponse struct {
	Batches    []task.BatchSummary `json:"batches"`
	Standalone []task.Task         `json:"standalone"`
	paging
}

func (e *Engine) listBatches(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	list, err := e.Batches(q)
	if err != nil {
		return err
	}
	p, err := e.pagingOf(q, list.Total, list.StatusCounts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, batchListResponse{Batches: list.Batches, Standalone: list.Standalone, paging: p})
	return nil
}

func (e *Engine) batchItems(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	items, err := e.BatchItems(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items)
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
	n := 0
	if err == nil {
		n, err = e.ActBatch(r.PathValue("id"), task.Delete, withFiles)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"affected": n})
	return nil
}
