package budget

import (
	"sync"

	"golang.org/x/time/rate"

	"github.com/forgelogs/otelcol-forge/internal/clock"
)

// The API counts requests per app (logs) or per account (metrics), not per receiver: two
// receivers of one collector that poll the same app, or with the same account, must draw from one
// budget. shared holds those budgets by key for the whole process.
var shared = struct {
	sync.Mutex
	budgets map[string]*sharedBudget
}{budgets: map[string]*sharedBudget{}}

type sharedBudget struct {
	*Budget
	holders int
}

// Shared returns the budget of key on clock, shared with every other holder in this process, and
// the function that gives it back. While several hold it, the smallest perMinute holds for all.
// A budget given back is kept, with its log of recent requests, for whoever asks for the key
// next: a receiver restarted by a configuration reload cannot send a second minute's worth of
// requests into the same minute. A holder on another clock (a test's) gets a budget of its own.
func Shared(key string, c clock.Clock, perMinute int) (b *Budget, release func()) {
	shared.Lock()
	defer shared.Unlock()
	s, ok := shared.budgets[key]
	switch {
	case !ok || (s.holders == 0 && s.clock != c):
		s = &sharedBudget{Budget: NewStarting(c, perMinute)}
		shared.budgets[key] = s
	case s.clock != c:
		return NewStarting(c, perMinute), func() {}
	case s.holders == 0:
		s.setPerMinute(perMinute)
	case perMinute < s.perMinute:
		s.setPerMinute(perMinute)
	}
	s.holders++
	var once sync.Once
	return s.Budget, func() {
		once.Do(func() {
			shared.Lock()
			defer shared.Unlock()
			s.holders--
		})
	}
}

// setPerMinute changes the budget's rate; a shorter log keeps its newest entries.
func (b *Budget) setPerMinute(perMinute int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limiter.SetLimit(rate.Every(spacing(perMinute)))
	for len(b.granted) > perMinute {
		b.foldOldestLocked()
	}
	b.perMinute = perMinute
}
