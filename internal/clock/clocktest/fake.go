// Package clocktest provides a fake clock that moves only when every goroutine using it sleeps,
// so that tests run hours of polling in milliseconds, in the same order on every run.
package clocktest // import "github.com/forgelogs/otelcol-forge/internal/clock/clocktest"

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Fake is a discrete-event clock. It knows how many goroutines use it (participants); once all
// of them sleep, it jumps to the earliest wake-up and wakes whoever is due. A participant that
// is blocked elsewhere (an HTTP request, a pipeline, a lock) holds time still.
type Fake struct {
	mu           sync.Mutex
	now          time.Time
	participants int
	sleepers     []*sleeper
	stopAt       time.Time
	stop         context.CancelFunc
	stopped      bool
	sleeps       int
}

type sleeper struct {
	at   time.Time
	wake chan struct{}
}

// NewFake returns a clock at now with one participant.
func NewFake(now time.Time) *Fake {
	return &Fake{now: now, participants: 1}
}

// SetParticipants sets how many goroutines must sleep before time moves.
func (f *Fake) SetParticipants(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.participants = n
	f.advanceLocked()
}

// StopAt stops time at at: instead of moving there or past it, the clock calls stop once and
// moves no more until the next StopAt. stop typically cancels the context of every sleeper.
func (f *Fake) StopAt(at time.Time, stop context.CancelFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopAt, f.stop, f.stopped = at, stop, false
	f.advanceLocked()
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Sleeps returns how many sleeps with a positive duration began.
func (f *Fake) Sleeps() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sleeps
}

// Sleep waits until the fake time reaches now+d or ctx ends.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	f.mu.Lock()
	f.sleeps++
	s := &sleeper{at: f.now.Add(d), wake: make(chan struct{})}
	f.sleepers = append(f.sleepers, s)
	f.advanceLocked()
	f.mu.Unlock()
	select {
	case <-s.wake:
		return ctx.Err()
	case <-ctx.Done():
		f.mu.Lock()
		f.sleepers = slices.DeleteFunc(f.sleepers, func(o *sleeper) bool { return o == s })
		f.mu.Unlock()
		return ctx.Err()
	}
}

func (f *Fake) advanceLocked() {
	if f.stopped || len(f.sleepers) < f.participants || len(f.sleepers) == 0 {
		return
	}
	earliest := f.sleepers[0].at
	for _, s := range f.sleepers[1:] {
		if s.at.Before(earliest) {
			earliest = s.at
		}
	}
	if f.stop != nil && !f.stopAt.IsZero() && !earliest.Before(f.stopAt) {
		f.now, f.stopped = f.stopAt, true
		f.stop()
		return
	}
	f.now = earliest
	f.sleepers = slices.DeleteFunc(f.sleepers, func(s *sleeper) bool {
		if s.at.After(earliest) {
			return false
		}
		close(s.wake)
		return true
	})
}
