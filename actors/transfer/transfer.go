package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/engine/telemetry"
)

// Env is what every download shares.
type Env struct {
	Client        *http.Client
	Limiter       *Limiter      // the global speed limit
	StallTimeout  time.Duration // no byte for this long is a retryable error
	ProgressEvery time.Duration
	UserAgent     string
	Metrics       *telemetry.Metrics // may be nil
}

var errStalled = errors.New("stalled")

// transfer is one attempt at a job. It runs on its own goroutine, reports
// through report, and asks for a file name through claim.
type transfer struct {
	job    Job
	env    *Env
	limit  *Limiter // the task's own speed limit; nil for none
	report func(msg any)
	claim  func(want string) (string, error)
	plan   func(Plan) bool // stores a segmented download's ranges; false: stop
}

// maxRestarts bounds how often one attempt starts over because the file
// changed under it.
const maxRestarts = 3

// run performs the attempt and returns nil once the final file is in place.
func (t *transfer) run(ctx context.Context) (downloaded, size int64, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(t.env.StallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()

	downloaded, size, err = t.fetch(ctx, stall)
	if err != nil {
		downloaded = t.partSize() // what a later attempt can resume from
		if t.job.Ranges != nil {
			downloaded = task.Done(t.job.Ranges)
		}
	}
	if err != nil && ctx.Err() != nil {
		switch context.Cause(ctx) {
		case errStalled:
			err = retryable("no data from origin for %s", t.env.StallTimeout)
		case ErrStopped:
			err = ErrStopped
		}
	}
	return downloaded, size, err
}

// errRangeDone ends a response that delivered all of a range that stops short
// of the end of the file: the next request continues where it ended.
var errRangeDone = errors.New("range done")

// fetch runs attempts at the file until one ends without the file changing
// under it.
func (t *transfer) fetch(ctx context.Context, stall *time.Timer) (int64, int64, error) {
	for restarts := 0; ; restarts++ {
		downloaded, size, err := t.fetchOnce(ctx, stall)
		var re *restartError
		if !errors.As(err, &re) {
			return downloaded, size, err
		}
		if restarts >= maxRestarts {
			return downloaded, size, retryable("the file keeps changing on the origin: %s", re.why)
		}
		if _, err := t.restart(downloaded, re.why); err != nil {
			return 0, size, err
		}
	}
}

func (t *transfer) fetchOnce(ctx context.Context, stall *time.Timer) (int64, int64, error) {
	if t.job.Ranges != nil {
		if size := t.rangesSize(); size > 0 {
			stall.Stop() // each connection watches its own
			return t.segmented(ctx, nil, size)
		}
		// Checkpoints that do not fit the part file are not trusted.
		if _, err := t.restart(0, "the part file does not match its checkpoints"); err != nil {
			return 0, 0, err
		}
	}
	offset := t.partSize()
	restarted := false
	for {
		resp, err := t.get(ctx, offset)
		if err != nil {
			return offset, 0, err
		}
		var downloaded, size int64
		switch {
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset == 0 && rangeTotal(resp.Header.Get("Content-Range")) == 0:
			// An empty file has no byte to ask a range of.
			resp.Body.Close()
			return 0, 0, t.completeEmpty(ctx, resp)
		case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset > 0:
			resp.Body.Close()
			total := rangeTotal(resp.Header.Get("Content-Range"))
			known := t.knownSize()
			sameVersion := changed(t.job.Validators, validatorsOf(resp, total)) == ""
			if sameVersion && (total == offset && (known == 0 || known == total) || total < 0 && (known == offset || known == 0)) {
				return offset, offset, t.complete(ctx, nil)
			}
			if restarted {
				return offset, 0, retryable("origin refused every range")
			}
			restarted = true
			if offset, err = t.restart(offset, fmt.Sprintf("origin refused the range from byte %d", offset)); err != nil {
				return offset, 0, err
			}
			continue
		case resp.StatusCode == http.StatusPartialContent:
			cr := resp.Header.Get("Content-Range")
			start, end, total, ok := parseContentRange(cr)
			if !ok || start != offset {
				resp.Body.Close()
				return offset, 0, retryable("origin answered range %q to a request from byte %d", cr, offset)
			}
			want := end - start + 1
			if resp.ContentLength >= 0 && resp.ContentLength != want {
				resp.Body.Close()
				return offset, 0, retryable("origin announced a Content-Length of %d for Content-Range %q", resp.ContentLength, cr)
			}
			got := validatorsOf(resp, total)
			if why := changed(t.job.Validators, got); why != "" && offset > 0 {
				// An origin that ignored If-Range, or had none to check.
				resp.Body.Close()
				if offset, err = t.restart(offset, why); err != nil {
					return offset, 0, err
				}
				continue
			}
			if offset > 0 {
				got = merged(t.job.Validators, got)
			}
			t.job.Validators = got
			if offset == 0 && end == total-1 && connectionsFor(total, t.job.Connections) > 1 {
				stall.Stop() // each connection watches its own
				return t.segmented(ctx, resp, total)
			}
			size = total
			if size < 0 {
				// The origin no longer says how big the file is: what it said
				// before holds, and with nothing ever said, only a 416 past
				// the last byte ends the file.
				if size = t.knownSize(); size == 0 {
					size = end + 2
				}
			}
			downloaded, size, err = t.stream(ctx, resp, offset, size, want, stall)
		case resp.StatusCode == http.StatusOK:
			// A server that ignores Range, or whose file is not the one
			// If-Range named, starts over from byte zero.
			if offset > 0 {
				why := "origin ignored Range"
				if v := ifRange(t.job.Validators); v != "" {
					why = fmt.Sprintf("the file changed: origin sent all of it to If-Range %s", v)
				}
				t.report(Restarted{TaskID: t.job.TaskID, From: offset, Reason: why})
			}
			t.job.Validators = validatorsOf(resp, resp.ContentLength)
			downloaded, size, err = t.stream(ctx, resp, 0, max(resp.ContentLength, 0), resp.ContentLength, stall)
		default:
			resp.Body.Close()
			return offset, 0, statusError(resp)
		}
		if !errors.Is(err, errRangeDone) {
			return downloaded, size, err
		}
		offset = downloaded // a server that sends the file in capped ranges
	}
}

// restart drops the part file, which is not a prefix of the origin's file
// any more, and says so; the next request starts from byte zero.
func (t *transfer) restart(offset int64, why string) (int64, error) {
	if err := os.Truncate(t.partPath(), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
		return offset, fatal("truncate part file: %v", err)
	}
	t.job.Validators = task.Validators{}
	t.job.Ranges = nil
	t.report(Restarted{TaskID: t.job.TaskID, From: offset, Reason: why})
	return 0, nil
}

// get asks for the file from offset on. A task that may use several
// connections asks for all of it as a range, so a 206 shows the origin takes ranges.
func (t *transfer) get(ctx context.Context, offset int64) (*http.Response, error) {
	switch {
	case offset > 0:
		return t.request(ctx, fmt.Sprintf("bytes=%d-", offset))
	case t.job.Connections > 1:
		return t.request(ctx, "bytes=0-")
	}
	return t.request(ctx, "")
}

// request sends a GET with the Range spec, "" for none; a range carries the
// validator of the version the part file holds.
func (t *transfer) request(ctx context.Context, spec string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.job.URL, nil)
	if err != nil {
		return nil, fatal("bad url: %v", err)
	}
	if t.env.UserAgent != "" {
		req.Header.Set("User-Agent", t.env.UserAgent)
	}
	for name, value := range t.job.Headers {
		req.Header.Set(name, value)
	}
	// The bytes saved are the bytes sent: asking for identity ourselves also
	// stops the transport from decoding a gzip body on the way.
	req.Header.Set("Accept-Encoding", "identity")
	if spec != "" {
		req.Header.Set("Range", spec)
		if v := ifRange(t.job.Validators); v != "" {
			req.Header.Set("If-Range", v) // another version answers 200, whole
		}
	}
	resp, err := t.env.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, requestError(err)
	}
	return resp, nil
}

// stream writes the body into the part file from offset on. want is the
// body's length as its headers announced it, -1 when they did not.
func (t *transfer) stream(ctx context.Context, resp *http.Response, offset, size, want int64, stall *time.Timer) (int64, int64, error) {
	defer resp.Body.Close()
	if err := t.name(ctx, resp); err != nil {
		return 0, size, err
	}
	if err := os.MkdirAll(t.job.Dir, 0o755); err != nil {
		return offset, size, fatal("create folder: %v", err)
	}
	if err := checkSpace(t.job.Dir, size-offset); err != nil {
		return offset, size, err
	}
	f, err := os.OpenFile(t.partPath(), os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return offset, size, fatal("open part file: %v", err)
	}
	defer f.Close()
	if err := f.Truncate(offset); err != nil {
		return offset, size, fatal("truncate part file: %v", err)
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, size, fatal("seek part file: %v", err)
	}
	stall.Stop() // re-reading our own part file is not the origin stalling
	sum, err := t.hasher(ctx, offset)
	stall.Reset(t.env.StallTimeout)
	if err != nil {
		return offset, size, err
	}
	t.report(Started{TaskID: t.job.TaskID, Downloaded: offset, Size: size, Validators: t.job.Validators, Segments: 1})

	downloaded := offset
	buf := make([]byte, max(t.job.BufferSize, 4<<10))
	lastReport := time.Now()
	for {
		chunk := t.chunk(buf)
		n, rerr := resp.Body.Read(chunk)
		if want >= 0 && downloaded-offset+int64(n) > want {
			// Nothing of an answer that overruns its own headers is kept.
			if err := f.Truncate(offset); err != nil {
				return downloaded, size, fatal("truncate part file: %v", err)
			}
			return offset, size, retryable("origin sent more than the %d bytes it announced", want)
		}
		if n > 0 {
			stall.Reset(t.env.StallTimeout)
			if err := t.throttle(ctx, n, stall); err != nil {
				return downloaded, size, err
			}
			if _, err := f.Write(chunk[:n]); err != nil {
				return downloaded, size, fatal("write part file: %v", err)
			}
			if sum != nil {
				sum.Write(chunk[:n])
			}
			downloaded += int64(n)
			t.env.Metrics.Downloaded(n)
			if now := time.Now(); now.Sub(lastReport) >= t.env.ProgressEvery {
				lastReport = now
				t.report(Progress{TaskID: t.job.TaskID, Downloaded: downloaded, Size: size, Segments: 1})
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if ctx.Err() != nil {
				return downloaded, size, ctx.Err()
			}
			return downloaded, size, retryable("reading from origin: %v", rerr)
		}
	}
	if got := downloaded - offset; want >= 0 && got != want {
		return downloaded, size, retryable("origin sent %d of the %d bytes it announced", got, want)
	}
	if want > 0 && downloaded < size {
		return downloaded, size, errRangeDone
	}
	if size > 0 && downloaded != size {
		return downloaded, size, retryable("origin sent %d of %d bytes", downloaded, size)
	}
	if err := f.Close(); err != nil {
		return downloaded, size, fatal("close part file: %v", err)
	}
	return downloaded, downloaded, t.complete(ctx, sum)
}

// name claims the file's name from the first answer, once.
func (t *transfer) name(ctx context.Context, resp *http.Response) error {
	if t.job.Filename != "" {
		return nil
	}
	name, err := t.claim(task.NameFromResponse(resp.Header.Get("Content-Disposition"), resp.Request.URL))
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	t.job.Filename = name
	return nil
}

// chunk is as much of buf as one read should fill under the speed limits.
func (t *transfer) chunk(buf []byte) []byte {
	for _, c := range [...]int{t.limit.Chunk(), t.env.Limiter.Chunk()} {
		if c > 0 && c < len(buf) {
			buf = buf[:c]
		}
	}
	return buf
}

// throttle waits until the task's and the global speed limits allow n more
// bytes. The stall timer is paused meanwhile: time spent waiting on
// ourselves is not the origin's.
func (t *transfer) throttle(ctx context.Context, n int, stall *time.Timer) error {
	if t.limit.Chunk() == 0 && t.env.Limiter.Chunk() == 0 {
		return nil
	}
	stall.Stop()
	defer stall.Reset(t.env.StallTimeout)
	if err := t.limit.Wait(ctx, n); err != nil {
		return err
	}
	return t.env.Limiter.Wait(ctx, n)
}

// complete verifies the checksum, then moves the part file to its final name.
func (t *transfer) complete(ctx context.Context, sum hash.Hash) error {
	if want, ok := strings.CutPrefix(t.job.Checksum, "sha256:"); ok {
		if sum == nil {
			var err error
			if sum, err = t.hashPart(ctx); err != nil {
				return err
			}
		}
		if got := hex.EncodeToString(sum.Sum(nil)); !strings.EqualFold(got, want) {
			// The bytes are wrong; keeping them would make a retry "resume" them.
			os.Remove(t.partPath())
			return fatal("checksum mismatch: expected sha256:%s, got sha256:%s", strings.ToLower(want), got)
		}
	}
	if err := os.Rename(t.partPath(), filepath.Join(t.job.Dir, t.job.Filename)); err != nil {
		return fatal("move part file into place: %v", err)
	}
	return nil
}

// knownSize is the file's size as the origin announced it before, 0 if it
// never did.
func (t *transfer) knownSize() int64 { return max(t.job.Validators.Size, t.job.Size, 0) }

// completeEmpty puts an empty file in place.
func (t *transfer) completeEmpty(ctx context.Context, resp *http.Response) error {
	if err := t.name(ctx, resp); err != nil {
		return err
	}
	if err := os.MkdirAll(t.job.Dir, 0o755); err != nil {
		return fatal("create folder: %v", err)
	}
	if err := os.WriteFile(t.partPath(), nil, 0o644); err != nil {
		return fatal("create part file: %v", err)
	}
	return t.complete(ctx, nil)
}

// hasher returns a sha256 already fed with the first offset bytes of the part
// file, or nil when the job has no checksum.
func (t *transfer) hasher(ctx context.Context, offset int64) (hash.Hash, error) {
	if t.job.Checksum == "" {
		return nil, nil
	}
	if offset == 0 {
		return sha256.New(), nil
	}
	return t.hashPart(ctx)
}

// hashPart hashes the part file; a stop cuts it short, so that re-hashing a
// large file never holds a shutdown past its grace period.
func (t *transfer) hashPart(ctx context.Context) (hash.Hash, error) {
	f, err := os.Open(t.partPath())
	if err != nil {
		return nil, fatal("read part file: %v", err)
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, stoppable{ctx, f}); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fatal("read part file: %v", err)
	}
	return sum, nil
}

// stoppable is a reader that ends when its context does.
type stoppable struct {
	ctx context.Context
	r   io.Reader
}

func (s stoppable) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	return s.r.Read(p)
}

func (t *transfer) partPath() string {
	return filepath.Join(t.job.Dir, task.PartName(t.job.Filename))
}

// partSize is where a resumed transfer starts: the bytes already on disk.
func (t *transfer) partSize() int64 {
	if t.job.Filename == "" {
		return 0
	}
	fi, err := os.Stat(t.partPath())
	if err != nil {
		return 0
	}
	return fi.Size()
}

// parseContentRange reads "bytes start-end/total"; total is -1 when "*".
func parseContentRange(v string) (start, end, total int64, ok bool) {
	rest, found := strings.CutPrefix(v, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	span, totalStr, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	startStr, endStr, found := strings.Cut(span, "-")
	if !found {
		return 0, 0, 0, false
	}
	start, err := strconv.ParseInt(startStr, 10, 64)
	if err != nil || start < 0 {
		return 0, 0, 0, false
	}
	if end, err = strconv.ParseInt(endStr, 10, 64); err != nil || end < start {
		return 0, 0, 0, false
	}
	total = -1
	if totalStr != "*" {
		if total, err = strconv.ParseInt(totalStr, 10, 64); err != nil || total <= end {
			return 0, 0, 0, false
		}
	}
	return start, end, total, true
}

// rangeTotal reads the total of "bytes */total" (a 416's header), or -1.
func rangeTotal(v string) int64 {
	rest, ok := strings.CutPrefix(v, "bytes */")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
