package engine

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fetchd/fetchd/engine/task"
)

// maxPageSize is the largest page GET /api/downloads returns.
const maxPageSize = 1000

func (e *Engine) health(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"status":   "ok",
		"version":  Version,
		"uptime_s": int64(e.Uptime().Seconds()),
	})
	return nil
}

func (e *Engine) createTask(w http.ResponseWriter, r *http.Request) error {
	var req task.AddRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	t, err := e.Add(req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

type listResponse struct {
	Downloads []task.Task `json:"downloads"`
	paging
}

// paging is what every paged list answers besides its rows.
type paging struct {
	Total        int                `json:"total"`
	Page         int                `json:"page"`
	Limit        int                `json:"limit"`
	TotalPages   int                `json:"total_pages"`
	StatusCounts map[task.State]int `json:"status_counts"`
	Stats        task.Stats         `json:"stats"`
}

// pagingOf describes page q of total rows.
func (e *Engine) pagingOf(q task.Query, total int, counts map[task.State]int) (paging, error) {
	stats, err := e.Stats()
	return paging{
		Total:        total,
		Page:         q.Page,
		Limit:        q.Limit,
		TotalPages:   (total + q.Limit - 1) / q.Limit,
		StatusCounts: counts,
		Stats:        stats,
	}, err
}

func (e *Engine) listTasks(w http.ResponseWriter, r *http.Request) error {
	q, err := parseQuery(r)
	if err != nil {
		return err
	}
	page, err := e.List(q)
	if err != nil {
		return err
	}
	p, err := e.pagingOf(q, page.Total, page.StatusCounts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse{Downloads: page.Tasks, paging: p})
	return nil
}

// parseQuery reads GET /api/downloads' parameters; defaults: every state,
// page 1, 50 per page, oldest first. `status` is an alias of `state` and
// `added` of `created_at`, as one of the seeds' clients sends them.
func parseQuery(r *http.Request) (task.Query, error) {
	v := r.URL.Query()
	q := task.Query{Page: 1, Limit: 50, SortBy: task.SortKeys[0], BatchID: v.Get("batch_id")}
	if s := cmp.Or(v.Get("state"), v.Get("status")); s != "" {
		for _, name := range strings.Split(s, ",") {
			st, err := task.ParseState(strings.ToUpper(strings.TrimSpace(name)))
			if err != nil {
				return q, fmt.Errorf("%w: state: %v", task.ErrInvalid, err)
			}
			q.States = append(q.States, st)
		}
	}
	var err error
	if q.Page, err = intParam(v.Get("page"), 1, 1, 1<<31-1, "page"); err != nil {
		return q, err
	}
	if q.Limit, err = intParam(v.Get("limit"), 50, 1, maxPageSize, "limit"); err != nil {
		return q, err
	}
	if s := v.Get("sort_by"); s != "" {
		if s == "added" {
			s = "created_at"
		}
		if !slices.Contains(task.SortKeys, s) {
			return q, fmt.Errorf("%w: sort_by must be one of %s", task.ErrInvalid, strings.Join(task.SortKeys, ", "))
		}
		q.SortBy = s
	}
	switch v.Get("sort_dir") {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		return q, fmt.Errorf("%w: sort_dir must be asc or desc", task.ErrInvalid)
	}
	return q, nil
}

func intParam(s string, def, lo, hi int, name string) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s must be a whole number from %d to %d", task.ErrInvalid, name, lo, hi)
	}
	return n, nil
}

func (e *Engine) getTask(w http.ResponseWriter, r *http.Request) error {
	t, err := e.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (e *Engine) deleteTask(w http.ResponseWriter, r *http.Request) error {
	withFiles, err := boolParam(r, "delete_files")
	if err == nil {
		err = e.Delete(r.PathValue("id"), withFiles)
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Engine) actOnTask(w http.ResponseWriter, r *http.Request) error {
	a, err := parseAction(r)
	if err != nil {
		return err
	}
	t, err := e.Act(r.PathValue("id"), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (e *Engine) actAllHandler(f func() (int, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := f()
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]int{"affected": n})
		return nil
	}
}

func (e *Engine) stats(w http.ResponseWriter, r *http.Request) error {
	s, err := e.Stats()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s)
	return nil
}

func boolParam(r *http.Request, name string) (bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%w: %s must be true or false", task.ErrInvalid, name)
	}
	return b, nil
}

// parseAction reads the {action} of a POST; Delete has its own method.
func parseAction(r *http.Request) (task.Action, error) {
	a, err := task.ParseAction(r.PathValue("action"))
	if err != nil || a == task.Delete {
		return a, noEndpoint(r, ": actions are pause, resume, cancel, retry and redownload")
	}
	return a, nil
}
