package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// rangeAttempts is how often one range is tried before the task fails as
// retryable: a dropped connection should not cost the other ranges.
const rangeAttempts = 3

// restartError ends a segmented download whose ranges would mix two
// versions of the file: it starts over from zero.
type restartError struct{ why string }

func (e *restartError) Error() string { return e.why }

// refusedError is an origin refusing one more connection (429 or 503): the
// task lowers its connection count instead of failing.
type refusedError struct{ err *Error }

func (e *refusedError) Error() string { return e.err.Error() }

// fetchSpan downloads s, retrying it a few times; resp, when not nil, is an
// answer already received whose body starts at s.Pos.
func (g *segmented) fetchSpan(ctx context.Context, s *span, resp *http.Response, buf []byte) error {
	for attempt := 1; ; attempt++ {
		err := g.fetchOnce(ctx, s, resp, buf)
		resp = nil
		var e *Error
		if err == nil || ctx.Err() != nil || !errors.As(err, &e) || !e.Retryable || attempt >= rangeAttempts {
			return err
		}
		select {
		case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fetchOnce is one request for what is left of s. It stops when s is
// written up to its end, which shrinks when another connection takes half.
func (g *segmented) fetchOnce(ctx context.Context, s *span, resp *http.Response, buf []byte) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(g.t.env.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	from := s.Pos // only this connection moves s.Pos
	last := g.size - 1
	if resp == nil {
		last = from + g.plan.room(s) - 1
		var err error
		if resp, err = g.t.request(ctx, fmt.Sprintf("bytes=%d-%d", from, last)); err != nil {
			return g.cause(ctx, err)
		}
		if err := g.check(resp, from, last); err != nil {
			resp.Body.Close()
			return err
		}
	}
	defer resp.Body.Close()
	for {
		room := g.plan.room(s)
		if room == 0 {
			return g.noMore(s, resp, from, last)
		}
		chunk := g.t.chunk(buf)
		if int64(len(chunk)) > room {
			chunk = chunk[:room]
		}
		n, rerr := resp.Body.Read(chunk)
		if n > 0 {
			stall.Reset(g.t.env.StallTimeout)
			if err := g.t.throttle(ctx, n, stall); err != nil {
				return g.cause(ctx, err)
			}
			// A steal never takes bytes closer than minRange to Pos, but a
			// read never writes past the end either way.
			n = int(min(int64(n), g.plan.room(s)))
			if _, err := g.f.WriteAt(chunk[:n], s.Pos); err != nil {
				return fatal("write part file: %v", err)
			}
			g.plan.advance(s, int64(n)) // after the write: a checkpoint never runs ahead of the file
			g.t.env.Metrics.Downloaded(n)
		}
		switch {
		case rerr == io.EOF && g.plan.room(s) > 0:
			return retryable("origin sent %d bytes of the range from byte %d and stopped %d bytes short", s.Pos-from, from, g.plan.room(s))
		case rerr == io.EOF:
			return nil
		case rerr != nil:
			return g.cause(ctx, retryable("reading from origin: %v", rerr))
		}
	}
}

// noMore ends a range written to its end. When that end is the one asked
// for, a byte more is a body longer than its range: what it sent is not trusted.
func (g *segmented) noMore(s *span, resp *http.Response, from, last int64) error {
	if s.End-1 != last {
		return nil // the rest belongs to another connection or range
	}
	var one [1]byte
	if n, _ := resp.Body.Read(one[:]); n > 0 {
		g.plan.rewind(s, from)
		return retryable("origin sent more than the range from byte %d to %d", from, last)
	}
	return nil
}

// cause names a stall for what it is.
func (g *segmented) cause(ctx context.Context, err error) error {
	if errors.Is(context.Cause(ctx), errStalled) && ctx.Err() != nil {
		return retryable("no data from origin for %s", g.t.env.StallTimeout)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// check accepts an answer to a request for bytes from-last of the version
// the part file holds.
func (g *segmented) check(resp *http.Response, from, last int64) error {
	switch code := resp.StatusCode; {
	case code == http.StatusPartialContent:
		cr := resp.Header.Get("Content-Range")
		start, end, total, ok := parseContentRange(cr)
		if !ok || start != from || end != last {
			return retryable("origin answered range %q to a request for bytes %d-%d", cr, from, last)
		}
		if resp.ContentLength >= 0 && resp.ContentLength != last-from+1 {
			return retryable("origin announced a Content-Length of %d for Content-Range %q", resp.ContentLength, cr)
		}
		if why := changed(g.t.job.Validators, validatorsOf(resp, total)); why != "" {
			return &restartError{why}
		}
		return nil
	case code == http.StatusOK:
		if v := ifRange(g.t.job.Validators); v != "" {
			return &restartError{fmt.Sprintf("the file changed: origin sent all of it to If-Range %s", v)}
		}
		return &restartError{"origin ignored Range"}
	case code == http.StatusRequestedRangeNotSatisfiable:
		return &restartError{fmt.Sprintf("origin refused the range from byte %d", from)}
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		return &refusedError{statusError(resp)}
	default:
		return statusError(resp)
	}
}
