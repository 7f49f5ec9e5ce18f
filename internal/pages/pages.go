// Package pages bounds the memory of a receiver by the work it has in flight, not by its number of
// streams. A stream sends a request only while it holds one of a fixed number of request tickets,
// so waiting streams hold no connection; it reads, decodes and hands over a page only while it
// holds one of fewer page slots, whose buffers go back to a shared pool once the pipeline took the
// page.
package pages // import "github.com/forgelogs/otelcol-forge/internal/pages"

import (
	"bytes"
	"context"
	"runtime"
	"sync"
)

// maxPooledBytes keeps an unusually large answer's buffer from staying in the pool.
const maxPooledBytes = 16 << 20

// DefaultSlots is how many pages a receiver reads, decodes and hands over at once: enough to
// keep every core busy while one page waits on the pipeline, and independent of the number of
// streams. At the API's rate limit a page takes milliseconds of work, so streams seldom wait.
func DefaultSlots() int { return max(4, 2*runtime.GOMAXPROCS(0)) }

// DefaultRequests is how many requests a receiver has in flight at once. A request waiting for
// its answer costs a connection and a few goroutines (tens of kilobytes), not a page; the limit
// is high enough for hundreds of apps at the API's rate over a slow link, and low enough that a
// thousand streams cannot hold a thousand connections.
const DefaultRequests = 100

// Pool hands out request tickets and page slots in the order they were asked for, so that no
// stream, and no app, waits while later callers are served.
type Pool struct {
	requests chan struct{}
	slots    chan struct{}
	buffers  sync.Pool
}

// NewPool returns a pool of requests tickets and slots page slots.
func NewPool(requests, slots int) *Pool {
	return &Pool{
		requests: make(chan struct{}, requests),
		slots:    make(chan struct{}, slots),
		buffers:  sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
}

// NewDefaultPool returns a pool of DefaultRequests tickets and DefaultSlots slots.
func NewDefaultPool() *Pool { return NewPool(DefaultRequests, DefaultSlots()) }

// Request waits for a request ticket, or until ctx ends, and returns the function that gives it
// back. A stream takes its ticket once its app's budget gave it its turn, so a stream waiting for
// the budget holds no ticket, and a stream waiting for a ticket loses no budget.
func (p *Pool) Request(ctx context.Context) (release func(), err error) {
	select {
	case p.requests <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() { once.Do(func() { <-p.requests }) }, nil
}

// Slot is one page in flight: its buffer is the caller's until Release.
type Slot struct {
	Buf  *bytes.Buffer
	pool *Pool
}

// Acquire waits for a free slot, or until ctx ends. Waiting goroutines are served first come,
// first served (a channel's waiting senders queue in order).
func (p *Pool) Acquire(ctx context.Context) (*Slot, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	buf := p.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	return &Slot{Buf: buf, pool: p}, nil
}

// Release returns the slot and its buffer; the caller must not touch either afterwards. It is
// safe to call on a nil slot and more than once.
func (s *Slot) Release() {
	if s == nil || s.pool == nil {
		return
	}
	if s.Buf.Cap() <= maxPooledBytes {
		s.pool.buffers.Put(s.Buf)
	}
	s.Buf = nil
	<-s.pool.slots
	s.pool = nil
}

// InFlight returns how many page slots are taken.
func (p *Pool) InFlight() int { return len(p.slots) }

// RequestsInFlight returns how many request tickets are taken.
func (p *Pool) RequestsInFlight() int { return len(p.requests) }
