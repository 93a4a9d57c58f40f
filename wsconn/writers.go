package wsconn

import (
	"errors"
	"sync"
	"time"
)

// errWouldBlock is a socket whose send buffer is full.
var errWouldBlock = errors.New("socket would block")

type flushResult int

const (
	flushIdle    flushResult = iota // nothing left; the outbox is free
	flushMore                       // more to write: back of the line
	flushBlocked                    // the socket is full: try again shortly
	flushDone                       // the socket is closed or closing
)

// writerPool drains every connection's outbox on a few goroutines instead of
// one per connection. No write waits on a socket: what a full socket does
// not take stays in its outbox, which is retried every retryEvery.
type writerPool struct {
	retryEvery time.Duration

	mu      sync.Mutex
	cond    *sync.Cond
	ready   []*outbox
	blocked []*outbox
	stopped bool
}

func newWriterPool(workers int, retryEvery time.Duration) *writerPool {
	p := &writerPool{retryEvery: retryEvery}
	p.cond = sync.NewCond(&p.mu)
	for range workers {
		go p.work()
	}
	go p.retry()
	return p
}

// schedule queues an outbox that has something to write.
func (p *writerPool) schedule(o *outbox) {
	p.mu.Lock()
	p.ready = append(p.ready, o)
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *writerPool) work() {
	for {
		p.mu.Lock()
		for len(p.ready) == 0 && !p.stopped {
			p.cond.Wait()
		}
		if p.stopped {
			p.mu.Unlock()
			return
		}
		o := p.ready[0]
		p.ready[0] = nil
		p.ready = p.ready[1:]
		p.mu.Unlock()

		switch o.flush() {
		case flushMore:
			p.schedule(o)
		case flushBlocked:
			p.mu.Lock()
			p.blocked = append(p.blocked, o)
			p.mu.Unlock()
		}
	}
}

// retry moves the blocked outboxes back to the ready queue.
func (p *writerPool) retry() {
	t := time.NewTicker(p.retryEvery)
	defer t.Stop()
	for range t.C {
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			return
		}
		if len(p.blocked) > 0 {
			p.ready = append(p.ready, p.blocked...)
			clear(p.blocked)
			p.blocked = p.blocked[:0]
			p.cond.Broadcast()
		}
		p.mu.Unlock()
	}
}

func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.cond.Broadcast()
}
