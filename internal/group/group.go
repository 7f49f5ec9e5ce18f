// Package group runs a receiver's streams: one goroutine each, all stopped together.
package group // import "github.com/forgelogs/otelcol-forge/internal/group"

import (
	"context"
	"sync"
)

// Group owns goroutines that run until it stops them.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a group whose goroutines live until Stop; they do not inherit the deadline of the
// context that starts a component.
func New() *Group {
	ctx, cancel := context.WithCancel(context.Background())
	return &Group{ctx: ctx, cancel: cancel}
}

// Go runs fn in a goroutine of the group, with the group's context.
func (g *Group) Go(fn func(ctx context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(g.ctx)
	}()
}

// Stop cancels every goroutine and waits for them, or until ctx ends. It is safe on a nil group.
func (g *Group) Stop(ctx context.Context) error {
	if g == nil {
		return nil
	}
	g.cancel()
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
