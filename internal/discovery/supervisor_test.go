package discovery

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

// runLog records which runs started and ended.
type runLog struct {
	mu      sync.Mutex
	started map[string]int
	running map[string]int
	ended   map[string]int
}

func (l *runLog) run(key string) func(ctx context.Context) {
	return func(ctx context.Context) {
		l.mu.Lock()
		l.started[key]++
		l.running[key]++
		twice := l.running[key] > 1
		l.mu.Unlock()
		if twice {
			panic("run " + key + " twice at once")
		}
		<-ctx.Done()
		l.mu.Lock()
		l.running[key]--
		l.ended[key]++
		l.mu.Unlock()
	}
}

func TestSupervisorStartsNewRunsAndStopsVanishedOnes(t *testing.T) {
	l := &runLog{started: map[string]int{}, running: map[string]int{}, ended: map[string]int{}}
	var stopped []string
	s := Supervisor{Stopped: func(key string) { stopped = append(stopped, key) }}
	ctx := context.Background()

	s.Sync(ctx, map[string]func(context.Context){"a": l.run("a"), "b": l.run("b")})
	s.Sync(ctx, map[string]func(context.Context){"a": l.run("a"), "c": l.run("c")})
	l.mu.Lock()
	assert.Equal(t, 1, l.ended["b"], "b vanished: its run returned before Sync did")
	l.mu.Unlock()
	assert.Equal(t, []string{"b"}, stopped)
	assert.Equal(t, 2, s.Running())

	// b comes back: a new run, never two at once.
	s.Sync(ctx, map[string]func(context.Context){"a": l.run("a"), "b": l.run("b"), "c": l.run("c")})
	s.Stop()
	assert.Zero(t, s.Running())
	l.mu.Lock()
	defer l.mu.Unlock()
	assert.Equal(t, map[string]int{"a": 1, "b": 2, "c": 1}, l.ended, "a ran on across the changes; every run ended at Stop")
	assert.Equal(t, []string{"b"}, stopped, "Stop is no vanishing")
}
