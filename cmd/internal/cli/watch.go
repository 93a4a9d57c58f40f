package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fetchd/fetchd/engine/task"
	"github.com/fetchd/fetchd/wsconn/client"
)

const (
	redrawEvery   = 100 * time.Millisecond // a terminal is redrawn at most this often
	plainTick     = time.Second
	plainProgress = 5 * time.Second // plain output: a progress line per task at most this often
	silenceLimit  = 6 * time.Second // ENGINE_STATS comes every 2 s: this long without a word, the link is down
)

func setupWatch(fs *flag.FlagSet) func(c *invocation, args []string) int {
	plain := fs.Bool("plain", false, "print plain lines even on a terminal")
	return func(c *invocation, args []string) int {
		if len(args) > 0 {
			return c.usage(fmt.Sprintf("unexpected argument %q", args[0]))
		}
		// The WebSocket client retries in silence; one REST call first turns
		// a wrong address or token into a clear message.
		if err := c.api.Do(c.ctx, "GET", "/api/downloads/stats", nil, nil); err != nil {
			return c.fail(err)
		}
		v := newWatchView(c.stdout, !*plain && isTerminal(c.stdout), c.api.Server)
		if f, ok := stdin.(*os.File); ok && v.tty {
			keys, stop := startKeys(c.ctx, f)
			defer stop()
			v.keys, v.act = keys, func(ctx context.Context, id string, a task.Action) string {
				t, err := c.api.Act(ctx, id, a)
				if err != nil {
					return fmt.Sprintf("%s %s: %s", a, shortID(id), c.describe(err))
				}
				return fmt.Sprintf("%s %s: now %s", a, shortID(id), t.State)
			}
		}
		v.run(c.ctx, client.Options{Server: c.api.Server, Token: c.api.Token})
		return 0
	}
}

// watchView follows the tasks dialect: on a terminal it redraws a frame of
// progress bars in place; otherwise it prints a line per state change and a
// progress line per running task every few seconds.
type watchView struct {
	out    io.Writer
	tty    bool
	server string
	now    func() time.Time
	size   func() (cols, rows int)

	mirror   *client.Mirror
	seen     map[string]seenTask // what each task last looked like here
	stats    *task.Stats
	synced   bool      // a SYNC_ALL has arrived
	lastMsg  time.Time // when the last message arrived
	lost     bool      // silent too long: the client is reconnecting
	dirty    bool      // the frame is out of date
	drawn    int       // lines of the last frame
	lastCols int       // terminal width of the last frame

	// With keys (a terminal on both ends) a row is selected and acted on.
	keys     <-chan key // nil: view only
	act      func(ctx context.Context, id string, a task.Action) string
	notes    chan string // what the last action came to
	note     string
	selected string   // the selected task's id
	shown    []string // the ids on the screen, top to bottom
}

type seenTask struct {
	state    task.State
	name     string
	shownAt  time.Time // plain: when progress was last printed
	shownLen int64     // plain: the bytes printed then
}

func newWatchView(out io.Writer, tty bool, server string) *watchView {
	return &watchView{
		out: out, tty: tty, server: server, now: time.Now,
		size:   func() (int, int) { return termSize(out) },
		mirror: client.NewMirror(), seen: map[string]seenTask{}, notes: make(chan string, 4),
	}
}

// run follows the daemon until ctx is done or q is pressed.
func (v *watchView) run(ctx context.Context, opts client.Options) {
	ctx, quit := context.WithCancel(ctx)
	defer quit()
	msgs := make(chan client.Message, 256)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		client.Follow(ctx, opts, func(m client.Message) {
			select {
			case msgs <- m:
			case <-ctx.Done():
			}
		})
	}()
	v.begin()
	every := plainTick
	if v.tty {
		every = redrawEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case m := <-msgs:
			v.apply(m)
		case <-tick.C:
			v.tick()
		case k, ok := <-v.keys:
			if !ok {
				v.keys = nil
			} else if v.handleKey(ctx, k) {
				quit()
			}
		case n := <-v.notes:
			v.note, v.dirty = n, true
		case <-ctx.Done():
			<-followed
			for {
				select {
				case m := <-msgs:
					v.apply(m)
				default:
					v.end()
					return
				}
			}
		}
	}
}

func (v *watchView) begin() {
	v.lastMsg = v.now()
	if v.tty {
		io.WriteString(v.out, "\x1b[?25l") // hide the cursor while drawing
		v.draw()
	}
}

func (v *watchView) end() {
	if v.tty {
		v.draw()
		io.WriteString(v.out, "\x1b[?25h")
	}
}

// apply folds one message into the view.
func (v *watchView) apply(m client.Message) {
	now := v.now()
	v.lastMsg = now
	if v.lost {
		v.lost, v.dirty = false, true
	}
	switch m.Type {
	case "ENGINE_STATS":
		v.stats, v.dirty = m.Stats, true
		return
	case "ERROR":
		v.logf("the daemon refused a message: %s", m.Message)
		return
	}
	ids := touchedIDs(m)
	if err := v.mirror.Apply(m); err != nil {
		v.logf("skipped a message this client cannot read: %v", err)
	}
	v.dirty = true
	if m.Type == "SYNC_ALL" {
		if !v.synced {
			v.synced = true
			v.firstSync(now)
			return
		}
		v.logf("reconnected to %s", v.server)
		ids = ids[:0]
		for id := range v.seen {
			ids = append(ids, id)
		}
		for id := range v.mirror.Tasks {
			if _, ok := v.seen[id]; !ok {
				ids = append(ids, id)
			}
		}
	}
	v.sortIDs(ids)
	for _, id := range ids {
		v.compare(now, id)
	}
}

// firstSync records where every task stands and, in plain output, lists the
// ones not yet finished.
func (v *watchView) firstSync(now time.Time) {
	tasks := v.sorted()
	v.logf("connected to %s: %d downloads", v.server, len(tasks))
	for _, t := range tasks {
		v.seen[t.ID] = seenTask{state: t.State, name: taskName(t), shownAt: now, shownLen: t.Downloaded}
		if t.State != task.Completed && t.State != task.Cancelled {
			v.logf("%s %s %s%s", t.ID, taskName(t), t.State, stateNote(t))
		}
	}
}

// compare reports what happened to one task since it was last seen.
func (v *watchView) compare(now time.Time, id string) {
	old, had := v.seen[id]
	t, has := v.mirror.Tasks[id]
	switch {
	case has && !had:
		v.seen[id] = seenTask{state: t.State, name: taskName(&t), shownAt: now, shownLen: t.Downloaded}
		v.logf("%s %s added (%s)%s", id, taskName(&t), t.State, stateNote(&t))
	case !has && had:
		delete(v.seen, id)
		v.logf("%s %s removed", id, old.name)
	case has && t.State != old.state:
		v.logf("%s %s %s -> %s%s", id, taskName(&t), old.state, t.State, stateNote(&t))
		v.seen[id] = seenTask{state: t.State, name: taskName(&t), shownAt: now, shownLen: t.Downloaded}
	case has:
		old.name = taskName(&t)
		v.seen[id] = old
	}
}

// stateNote says why a task is waiting or failed.
func stateNote(t *task.Task) string {
	msg := oneLine(t.ErrorMessage)
	switch t.State {
	case task.Failed:
		if msg != "" {
			return ": " + msg
		}
	case task.Waiting:
		note := fmt.Sprintf(" (retry %d", t.RetryCount)
		if t.WaitUntil != nil {
			note += " at " + t.WaitUntil.Local().Format(time.TimeOnly)
		}
		if msg != "" {
			note += ": " + msg
		}
		return note + ")"
	}
	return ""
}

// touchedIDs lists the tasks a message may change (not for SYNC_ALL).
func touchedIDs(m client.Message) []string {
	var head struct {
		ID string `json:"id"`
	}
	var ids []string
	switch m.Type {
	case "TASK_ADDED", "TASK_UPDATED":
		if json.Unmarshal(m.Task, &head) == nil && head.ID != "" {
			ids = append(ids, head.ID)
		}
	case "TASK_BATCH_UPDATE":
		for _, raw := range m.Tasks {
			head.ID = ""
			if json.Unmarshal(raw, &head) == nil && head.ID != "" {
				ids = append(ids, head.ID)
			}
		}
	case "TASK_REMOVED":
		ids = append(ids, m.TaskID)
	}
	return ids
}

// sorted is every task, oldest first.
func (v *watchView) sorted() []*task.Task {
	out := make([]*task.Task, 0, len(v.mirror.Tasks))
	for id := range v.mirror.Tasks {
		t := v.mirror.Tasks[id]
		out = append(out, &t)
	}
	slices.SortFunc(out, task.ByCreation)
	return out
}

func (v *watchView) sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		ta, tb := v.mirror.Tasks[a], v.mirror.Tasks[b]
		return task.ByCreation(&ta, &tb)
	})
}

// tick notices silence and, in plain output, prints progress; on a terminal
// it redraws when something changed.
func (v *watchView) tick() {
	now := v.now()
	if !v.lost && now.Sub(v.lastMsg) >= silenceLimit {
		v.lost, v.dirty = true, true
		if v.synced {
			v.logf("no word from %s for %s: reconnecting", v.server, silenceLimit)
		} else {
			v.logf("cannot open the live feed of %s yet: still trying", v.server)
		}
	}
	if v.tty {
		if v.dirty {
			v.draw()
		}
		return
	}
	for _, t := range v.sorted() {
		s, ok := v.seen[t.ID]
		if !ok || t.State != task.Downloading || now.Sub(s.shownAt) < plainProgress || t.Downloaded == s.shownLen {
			continue
		}
		v.logf("%s %s %s", t.ID, taskName(t), progressText(t))
		s.shownAt, s.shownLen = now, t.Downloaded
		v.seen[t.ID] = s
	}
}

// progressText is a plain progress line's figures.
func progressText(t *task.Task) string {
	var b strings.Builder
	if t.Size > 0 {
		fmt.Fprintf(&b, "%.1f%% of %s", t.Progress, humanBytes(t.Size))
	} else {
		b.WriteString(humanBytes(t.Downloaded))
	}
	if s := humanSpeed(t.Speed); s != "" {
		b.WriteString(" at " + s)
	}
	if eta := humanETA(t.ETA); eta != "" {
		b.WriteString(", ETA " + eta)
	}
	return b.String()
}

// logf prints a plain line; a terminal shows the frame instead.
func (v *watchView) logf(format string, args ...any) {
	if v.tty {
		return
	}
	fmt.Fprintf(v.out, "%s  %s\n", v.now().Format(time.RFC3339), fmt.Sprintf(format, args...))
}
