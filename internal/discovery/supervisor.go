package discovery

import (
	"context"
	"sync"
)

// Supervisor runs one goroutine per key (a receiver's stream of a discovered environment) and
// starts and stops them as the wanted set changes. Its owner calls Sync from one goroutine and
// Stop before that goroutine returns, so that no stream outlives it.
type Supervisor struct {
	// Stopped, when set, is called with each key whose run Sync stopped, once it returned.
	Stopped func(key string)

	running map[string]*task
}

type task struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Sync starts the wanted runs that are not running, under ctx, and stops those no longer wanted,
// waiting until they returned: a key that comes back later never runs twice at once.
func (s *Supervisor) Sync(ctx context.Context, want map[string]func(ctx context.Context)) {
	if s.running == nil {
		s.running = map[string]*task{}
	}
	for key, t := range s.running {
		if _, ok := want[key]; !ok {
			t.stop()
			delete(s.running, key)
			if s.Stopped != nil {
				s.Stopped(key)
			}
		}
	}
	for key, run := range want {
		if _, ok := s.running[key]; ok {
			continue
		}
		runCtx, cancel := context.WithCancel(ctx)
		t := &task{cancel: cancel, done: make(chan struct{})}
		s.running[key] = t
		go func() {
			defer close(t.done)
			run(runCtx)
		}()
	}
}

// Running returns how many runs are running.
func (s *Supervisor) Running() int { return len(s.running) }

// Stop stops every run and waits for them.
func (s *Supervisor) Stop() {
	var wg sync.WaitGroup
	for key, t := range s.running {
		wg.Go(t.stop)
		delete(s.running, key)
	}
	wg.Wait()
}

func (t *task) stop() {
	t.cancel()
	<-t.done
}
