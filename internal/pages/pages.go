// Package pages bounds the memory of a receiver by the pages it has in flight, not by its
// number of streams: a page is read, decoded and handed over only while it holds one of a fixed
// number of slots, and its buffer goes back to a shared pool as soon as the pipeline took it.
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

// Pool hands out page slots in the order they were asked for, so that no stream, and no app,
// waits while later callers are served.
type Pool struct {
	slots   chan struct{}
	buffers sync.Pool
}

// NewPool returns a pool of n slots.
func NewPool(n int) *Pool {
	return &Pool{
		slots:   make(chan struct{}, n),
		buffers: sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
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

// InFlight returns how many slots are taken.
func (p *Pool) InFlight() int { return len(p.slots) }
