package cli

import (
	"context"
	"io"
	"os"
	"slices"
	"time"

	"github.com/fetchd/fetchd/engine/task"
)

// key is one key press watch acts on.
type key int

const (
	keyQuit key = iota + 1
	keyUp
	keyDown
	keyPause
	keyResume
)

const keyHint = "↑/↓ or j/k select, p pause, r resume, q quit"

// decodeKeys reads the keys in one read from a terminal; anything else,
// including escape sequences other than the arrows, is skipped.
func decodeKeys(b []byte) []key {
	var out []key
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case 'q', 'Q', 0x03: // 0x03 is Ctrl-C, when the terminal does not make it a signal
			out = append(out, keyQuit)
		case 'k':
			out = append(out, keyUp)
		case 'j':
			out = append(out, keyDown)
		case 'p':
			out = append(out, keyPause)
		case 'r':
			out = append(out, keyResume)
		case 0x1b: // ESC [ A, ESC O A: up; B: down
			if i+2 < len(b) && (b[i+1] == '[' || b[i+1] == 'O') {
				switch b[i+2] {
				case 'A':
					out = append(out, keyUp)
				case 'B':
					out = append(out, keyDown)
				}
				i += 2
			}
		}
	}
	return out
}

// readKeys sends the keys read from r until r fails or ctx is done.
func readKeys(ctx context.Context, r io.Reader, keys chan<- key) {
	defer close(keys)
	buf := make([]byte, 64)
	for {
		n, err := r.Read(buf)
		for _, k := range decodeKeys(buf[:n]) {
			select {
			case keys <- k:
			case <-ctx.Done():
				return
			}
		}
		if err != nil || ctx.Err() != nil {
			return
		}
	}
}

// startKeys reads keys from f when it is a terminal; stop restores it.
func startKeys(ctx context.Context, f *os.File) (keys <-chan key, stop func()) {
	if f == nil || !isTerminal(f) {
		return nil, func() {}
	}
	restore, err := keyInput(f)
	if err != nil {
		return nil, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan key, 16)
	go readKeys(ctx, f, ch)
	return ch, func() {
		cancel()
		f.SetReadDeadline(time.Now()) // ends the read where the file allows it
		restore()
	}
}

// handleKey applies one key; it reports whether watch should end.
func (v *watchView) handleKey(ctx context.Context, k key) (quit bool) {
	switch k {
	case keyQuit:
		return true
	case keyUp, keyDown:
		v.move(k)
	case keyPause, keyResume:
		a := task.Pause
		if k == keyResume {
			a = task.Resume
		}
		if id := v.selected; id != "" && v.act != nil {
			v.note = string(a) + " " + shortID(id) + " …"
			go func() {
				msg := v.act(ctx, id, a)
				select {
				case v.notes <- msg:
				case <-ctx.Done():
				}
			}()
		}
	}
	v.dirty = true
	return false
}

// move shifts the selection one row among the rows on the screen.
func (v *watchView) move(k key) {
	if len(v.shown) == 0 {
		return
	}
	i := slices.Index(v.shown, v.selected)
	switch {
	case i < 0:
		i = 0
	case k == keyUp:
		i = max(i-1, 0)
	default:
		i = min(i+1, len(v.shown)-1)
	}
	v.selected = v.shown[i]
}
