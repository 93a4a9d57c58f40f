package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"

	"github.com/fetchd/fetchd/engine/task"
)

// REST makes calls to a daemon's REST API. Failed calls return an
// *UnreachableError or a *StatusError.
type REST struct {
	Server    string       // http(s)://host:port, no trailing slash
	Token     string       // sent as a bearer token when set
	HTTP      *http.Client // http.DefaultClient when nil
	UserAgent string       // Go's default when empty
}

// Do makes one request; body (if not nil) is sent as JSON and a JSON answer
// is decoded into out (if not nil).
func (r *REST) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.Server+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if r.UserAgent != "" {
		req.Header.Set("User-Agent", r.UserAgent)
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	hc := r.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{Server: r.Server, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return &UnreachableError{Server: r.Server, Err: err}
	}
	if resp.StatusCode >= 300 {
		se := &StatusError{Status: resp.StatusCode, Method: method, URL: r.Server + path}
		var body struct{ Error, Message string }
		if json.Unmarshal(raw, &body) == nil {
			se.Code, se.Message = body.Error, body.Message
		}
		return se
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("the answer to %s %s is not what fetchd sends: %v", method, path, err)
		}
	}
	return nil
}

// Add queues one download.
func (r *REST) Add(ctx context.Context, req task.AddRequest) (task.Task, error) {
	var t task.Task
	err := r.Do(ctx, "POST", "/api/downloads", req, &t)
	return t, err
}

// BatchAdded is POST /api/batches' answer.
type BatchAdded struct {
	BatchID   string      `json:"batch_id"`
	BatchName string      `json:"batch_name"`
	Tasks     []task.Task `json:"tasks"`
}

// AddBatch queues every item of req as one new batch.
func (r *REST) AddBatch(ctx context.Context, req task.BatchRequest) (BatchAdded, error) {
	var ans BatchAdded
	err := r.Do(ctx, "POST", "/api/batches", req, &ans)
	return ans, err
}

// Act applies an action (pause, resume, cancel, retry) to one task.
func (r *REST) Act(ctx context.Context, id string, a task.Action) (task.Task, error) {
	var t task.Task
	err := r.Do(ctx, "POST", "/api/downloads/"+url.PathEscape(id)+"/"+string(a), nil, &t)
	return t, err
}

// ActAll applies an action to every task it fits and returns how many.
func (r *REST) ActAll(ctx context.Context, a task.Action) (int, error) {
	var ans struct{ Affected int }
	err := r.Do(ctx, "POST", "/api/downloads/"+string(a)+"-all", nil, &ans)
	return ans.Affected, err
}

// Remove removes a task, and its file with deleteFiles.
func (r *REST) Remove(ctx context.Context, id string, deleteFiles bool) error {
	path := "/api/downloads/" + url.PathEscape(id)
	if deleteFiles {
		path += "?delete_files=true"
	}
	return r.Do(ctx, "DELETE", path, nil, nil)
}

// Batches lists every batch, page by page.
func (r *REST) Batches(ctx context.Context) ([]task.BatchSummary, error) {
	var all []task.BatchSummary
	for page := 1; ; page++ {
		var ans struct {
			Batches    []task.BatchSummary `json:"batches"`
			TotalPages int                 `json:"total_pages"`
		}
		if err := r.Do(ctx, "GET", fmt.Sprintf("/api/downloads/batches?limit=1000&page=%d", page), nil, &ans); err != nil {
			return nil, err
		}
		all = append(all, ans.Batches...)
		if page >= ans.TotalPages {
			return all, nil
		}
	}
}

// ListRaw fetches every task matching q (GET /api/downloads' filters), page
// by page, as the daemon sent them.
func (r *REST) ListRaw(ctx context.Context, q url.Values) ([]json.RawMessage, error) {
	q = maps.Clone(q) // Set swaps whole slices: the caller's stay as they were
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", "1000")
	var all []json.RawMessage
	for page := 1; ; page++ {
		q.Set("page", fmt.Sprint(page))
		var p struct {
			Downloads  []json.RawMessage `json:"downloads"`
			TotalPages int               `json:"total_pages"`
		}
		if err := r.Do(ctx, "GET", "/api/downloads?"+q.Encode(), nil, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Downloads...)
		if len(p.Downloads) == 0 || page >= p.TotalPages {
			return all, nil
		}
	}
}

// List fetches every task matching q.
func (r *REST) List(ctx context.Context, q url.Values) ([]task.Task, error) {
	raw, err := r.ListRaw(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]task.Task, len(raw))
	for i, m := range raw {
		if err := json.Unmarshal(m, &out[i]); err != nil {
			return nil, fmt.Errorf("the daemon sent a task this client cannot read: %v", err)
		}
	}
	return out, nil
}

// ActBatch applies an action to every task of a batch it fits and returns how many.
func (r *REST) ActBatch(ctx context.Context, batchID string, a task.Action) (int, error) {
	var ans struct{ Affected int }
	err := r.Do(ctx, "POST", "/api/downloads/batch/"+url.PathEscape(batchID)+"/"+string(a), nil, &ans)
	return ans.Affected, err
}

// RemoveBatch removes a batch's tasks, and their files with deleteFiles.
func (r *REST) RemoveBatch(ctx context.Context, batchID string, deleteFiles bool) (int, error) {
	path := "/api/downloads/batch/" + url.PathEscape(batchID)
	if deleteFiles {
		path += "?delete_files=true"
	}
	var ans struct{ Affected int }
	err := r.Do(ctx, "DELETE", path, nil, &ans)
	return ans.Affected, err
}
