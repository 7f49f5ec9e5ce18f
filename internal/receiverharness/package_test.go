package receiverharness

import (
	"runtime"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// failing is a test that records whether it failed instead of failing the test that runs it, so
// that the harness's checks can be shown to fail when they must.
type failing struct {
	testing.TB
	failed atomic.Bool
}

func (f *failing) Helper()               {}
func (f *failing) Errorf(string, ...any) { f.failed.Store(true) }
func (f *failing) Fatalf(string, ...any) { f.failed.Store(true); runtime.Goexit() }
func (f *failing) FailNow()              { f.failed.Store(true); runtime.Goexit() }

// fails reports whether check failed the test it was given.
func fails(t *testing.T, check func(t testing.TB)) bool {
	f := &failing{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(f)
	}()
	<-done
	return f.failed.Load()
}
