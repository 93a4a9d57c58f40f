package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/task"
)

// The daemon's REST API as the client commands use it.

// apiClient makes the REST calls.
type apiClient struct {
	base  string // http(s)://host:port, no trailing slash
	token string
	hc    *http.Client
}

// unreachableError is a request that never got an HTTP answer.
type unreachableError struct {
	server string
	err    error
}

func (e *unreachableError) Unwrap() error { return e.err }

func (e *unreachableError) Error() string {
	var dns *net.DNSError
	var nerr net.Error
	var op *net.OpError
	reason := e.err.Error()
	hint := "check --server or FETCHD_SERVER"
	switch {
	case errors.Is(e.err, syscall.ECONNREFUSED):
		reason, hint = "connection refused", "is it running? start it with: fetchd"
	case errors.As(e.err, &dns):
		reason = "cannot resolve " + dns.Name
	case errors.As(e.err, &nerr) && nerr.Timeout():
		reason = "timed out"
	case errors.As(e.err, &op):
		reason = op.Err.Error()
	default:
		var ue *url.Error
		if errors.As(e.err, &ue) {
			reason = ue.Err.Error()
		}
	}
	return fmt.Sprintf("cannot reach the daemon at %s (%s): %s", e.server, reason, hint)
}

// statusError is an answer with an error status.
type statusError struct {
	status    int
	code      string // the daemon's error code, "" when the body was not the daemon's
	message   string
	withToken bool
	what      string // method and URL, for answers that are not the daemon's
}

func (e *statusError) Error() string {
	switch {
	case e.status == http.StatusUnauthorized && e.withToken:
		return "the daemon refused the token: check --token or FETCHD_TOKEN"
	case e.status == http.StatusUnauthorized:
		return "the daemon requires a token: pass --token or set FETCHD_TOKEN"
	case e.code != "" && e.message != "":
		return e.message
	}
	return fmt.Sprintf("%s answered %d %s: is --server pointing at fetchd?", e.what, e.status, http.StatusText(e.status))
}

// call makes one request; body (if not nil) is sent as JSON and a JSON answer
// is decoded into out (if not nil).
func (a *apiClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "fetchd-client/"+engine.Version)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &unreachableError{server: a.base, err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return &unreachableError{server: a.base, err: err}
	}
	if resp.StatusCode >= 300 {
		se := &statusError{status: resp.StatusCode, withToken: a.token != "", what: method + " " + a.base + path}
		var body struct{ Error, Message string }
		if json.Unmarshal(raw, &body) == nil {
			se.code, se.message = body.Error, body.Message
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

// listPage is GET /api/downloads' answer, with the tasks kept as sent.
type listPage struct {
	Downloads  []json.RawMessage `json:"downloads"`
	Total      int               `json:"total"`
	TotalPages int               `json:"total_pages"`
}

// listRaw fetches every task matching q, page by page, as the daemon sent them.
func (a *apiClient) listRaw(ctx context.Context, q url.Values) ([]json.RawMessage, error) {
	q = cloneValues(q)
	q.Set("limit", "1000")
	var all []json.RawMessage
	for page := 1; ; page++ {
		q.Set("page", fmt.Sprint(page))
		var p listPage
		if err := a.call(ctx, "GET", "/api/downloads?"+q.Encode(), nil, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Downloads...)
		if len(p.Downloads) == 0 || page >= p.TotalPages {
			return all, nil
		}
	}
}

// list fetches every task matching q.
func (a *apiClient) list(ctx context.Context, q url.Values) ([]task.Task, error) {
	raw, err := a.listRaw(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]task.Task, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, fmt.Errorf("the daemon sent a task this client cannot read: %v", err)
		}
	}
	return out, nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
