// Package enginetest holds helpers for tests of fetchd against real sockets:
// an HTTP origin that serves deterministic bytes with Range, throttling and
// faults, and a deadline-bound poll.
package enginetest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// File is what the origin serves at one path.
type File struct {
	Data               []byte
	Rate               int                   // bytes/s; 0 serves at full speed
	IgnoreRange        bool                  // answer 200 with the whole body to every request
	Faults             []int                 // statuses to answer first, one per request, in order
	RetryAfter         string                // sent with every fault
	ContentDisposition string                // sent with the body when set
	Gate               chan struct{}         // when set, the body waits until it is closed
	Stalls             int                   // this many requests send half the body, then nothing
	DropAfter          int                   // every answer with more than this many body bytes drops the connection after them
	ShortBody          bool                  // promise the whole length, send half, hang up
	MaxRange           int                   // when set, every answer is a 206 of at most this many bytes
	Gzip               bool                  // say Content-Encoding: gzip whatever was asked; Data is the encoded body
	ETag               string                // sent when set; If-Range compares it
	LastModified       string                // sent when set; If-Range compares it
	IgnoreIfRange      bool                  // answer a range even when If-Range names another version
	Extra              int                   // junk bytes after the body; Content-Length counts them, Content-Range does not
	NoLength           bool                  // send no Content-Length: the body is chunked
	Redirect           string                // answer 302 to this path instead of a body
	Announce           int64                 // when set, the Content-Length claimed; Data follows, then the connection drops
	Want               http.Header           // headers every request must carry, else 403
	RateOf             func(start int64) int // when set, the rate of a range from start, instead of Rate
	MaxConns           int                   // when set, a body beyond this many at once is refused with Refuse
	Refuse             int                   // the status MaxConns refuses with; 429 unless set
	open               *atomic.Int64         // bodies of this file being served
}

// Request is what the origin saw of one request.
type Request struct {
	Path           string
	Range          string
	Start          int64 // the range's first byte, 0 without Range
	End            int64 // the range's last byte, -1 when open-ended or without Range
	AcceptEncoding string
	IfRange        string
	Header         http.Header
	At             time.Time
}

// Origin is a loopback HTTP server for tests.
type Origin struct {
	*httptest.Server

	mu       sync.Mutex
	files    map[string]*File
	requests []Request

	sent     atomic.Int64 // body bytes written
	inFlight atomic.Int64
	maxIn    atomic.Int64
}

// NewOrigin starts an origin that stops when the test ends.
func NewOrigin(t testing.TB) *Origin { return newOrigin(t, httptest.NewServer) }

// NewTLSOrigin starts an origin over TLS whose certificate, from httptest's
// own test CA, no default client trusts.
func NewTLSOrigin(t testing.TB) *Origin { return newOrigin(t, httptest.NewTLSServer) }

func newOrigin(t testing.TB, serve func(http.Handler) *httptest.Server) *Origin {
	o := &Origin{files: map[string]*File{}}
	o.Server = serve(http.HandlerFunc(o.serve))
	t.Cleanup(o.Close)
	return o
}

// Add serves f at path and returns its URL.
func (o *Origin) Add(path string, f *File) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f.open == nil {
		f.open = &atomic.Int64{}
	}
	o.files[path] = f
	return o.URL + path
}

// Replace swaps the file at path for another version, as an origin does
// between two requests.
func (o *Origin) Replace(path string, data []byte, etag, lastModified string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.files[path]
	f.Data, f.ETag, f.LastModified = data, etag, lastModified
}

// SetRate changes the rate the file at path is served at, for later requests.
func (o *Origin) SetRate(path string, rate int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.files[path].Rate = rate
}

// Requests returns the requests seen so far, optionally only those for path.
func (o *Origin) Requests(path string) []Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Request
	for _, r := range o.requests {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// BytesSent is the number of body bytes the origin has written.
func (o *Origin) BytesSent() int64 { return o.sent.Load() }

// MaxInFlight is the most bodies the origin was serving at once.
func (o *Origin) MaxInFlight() int64 { return o.maxIn.Load() }

func (o *Origin) serve(w http.ResponseWriter, r *http.Request) {
	req := Request{Path: r.URL.Path, Range: r.Header.Get("Range"), AcceptEncoding: r.Header.Get("Accept-Encoding"), IfRange: r.Header.Get("If-Range"), Header: r.Header.Clone(), At: time.Now()}
	req.Start, req.End = rangeSpan(req.Range)
	o.mu.Lock()
	o.requests = append(o.requests, req)
	f, ok := o.files[r.URL.Path]
	fault, stall := 0, false
	if ok && len(f.Faults) > 0 {
		fault, f.Faults = f.Faults[0], f.Faults[1:]
	}
	if ok && fault == 0 && f.Stalls > 0 {
		f.Stalls--
		stall = true
	}
	var snap File // this request's version, whatever Replace does meanwhile
	if ok {
		snap = *f
		f = &snap
	}
	o.mu.Unlock()
	switch {
	case !ok:
		http.NotFound(w, r)
		return
	case f.Redirect != "":
		http.Redirect(w, r, f.Redirect, http.StatusFound)
		return
	case !carries(r.Header, f.Want):
		http.Error(w, "missing or wrong request headers", http.StatusForbidden)
		return
	case fault != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		http.Error(w, http.StatusText(fault), fault)
		return
	}

	if f.MaxConns > 0 {
		if f.open.Add(1) > int64(f.MaxConns) {
			f.open.Add(-1)
			http.Error(w, "too many connections", cmp.Or(f.Refuse, http.StatusTooManyRequests))
			return
		}
		defer f.open.Add(-1)
	}
	n := o.inFlight.Add(1)
	defer o.inFlight.Add(-1)
	for {
		m := o.maxIn.Load()
		if n <= m || o.maxIn.CompareAndSwap(m, n) {
			break
		}
	}

	body := f.Data
	status := http.StatusOK
	if f.ContentDisposition != "" {
		w.Header().Set("Content-Disposition", f.ContentDisposition)
	}
	if f.ETag != "" {
		w.Header().Set("ETag", f.ETag)
	}
	if f.LastModified != "" {
		w.Header().Set("Last-Modified", f.LastModified)
	}
	// A Range whose If-Range names another version gets the whole file.
	ranged := req.Range != "" && f.ifRange(req.IfRange)
	start := req.Start
	if !ranged {
		start = 0
	}
	if (ranged || f.MaxRange > 0) && !f.IgnoreRange {
		if start >= int64(len(f.Data)) {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(f.Data)))
			w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
			return
		}
		body = f.Data[start:]
		if req.End >= start && ranged && req.End-start+1 < int64(len(body)) {
			body = body[:req.End-start+1]
		}
		if f.MaxRange > 0 && len(body) > f.MaxRange {
			body = body[:f.MaxRange]
		}
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, start+int64(len(body))-1, len(f.Data)))
	}
	if f.Extra > 0 {
		body = append(body[:len(body):len(body)], make([]byte, f.Extra)...)
	}
	switch {
	case f.Announce > 0:
		w.Header().Set("Content-Length", strconv.FormatInt(f.Announce, 10))
	case !f.NoLength:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	if f.Gzip {
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.WriteHeader(status)
	rate := f.Rate
	if f.RateOf != nil && status == http.StatusPartialContent {
		rate = f.RateOf(start)
	}
	if f.Gate != nil {
		w.(http.Flusher).Flush() // the headers go out; the body waits
		select {
		case <-f.Gate:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case stall:
		o.write(w, r, body[:len(body)/2], rate)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	case f.DropAfter > 0 && len(body) > f.DropAfter:
		o.write(w, r, body[:f.DropAfter], rate)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	case f.ShortBody, f.Announce > 0:
		if f.ShortBody {
			body = body[:len(body)/2]
		}
		o.write(w, r, body, rate)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection mid-body
	default:
		o.write(w, r, body, rate)
	}
}

// write sends body, throttled to rate bytes/s in 20 slices a second.
func (o *Origin) write(w http.ResponseWriter, r *http.Request, body []byte, rate int) {
	chunk := len(body)
	var tick *time.Ticker
	if rate > 0 {
		chunk = max(rate/20, 1)
		tick = time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
	}
	for len(body) > 0 {
		n := min(chunk, len(body), 1<<20)
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		o.sent.Add(int64(n))
		body = body[n:]
		if tick != nil {
			w.(http.Flusher).Flush()
			select {
			case <-tick.C:
			case <-r.Context().Done():
				return
			}
		}
	}
}

// ifRange reports whether a Range may be answered: If-Range is absent or
// names this version (a strong ETag, or the Last-Modified date).
func (f *File) ifRange(v string) bool {
	switch {
	case v == "" || f.IgnoreIfRange:
		return true
	case strings.HasPrefix(v, `"`):
		return v == f.ETag
	default:
		return v == f.LastModified
	}
}

// carries reports whether h has every value of want.
func carries(h, want http.Header) bool {
	for name := range want {
		if h.Get(name) != want.Get(name) {
			return false
		}
	}
	return true
}

// rangeSpan reads "bytes=start-[end]"; end is -1 when open-ended or absent.
func rangeSpan(h string) (start, end int64) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return 0, -1
	}
	from, to, _ := strings.Cut(spec, "-")
	start, _ = strconv.ParseInt(from, 10, 64)
	end, err := strconv.ParseInt(to, 10, 64)
	if err != nil {
		end = -1
	}
	return start, end
}

// Bytes returns n deterministic pseudo-random bytes for seed.
func Bytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Eventually polls cond every few milliseconds until it holds or the deadline
// passes, then fails the test with what.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
