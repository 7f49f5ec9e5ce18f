package poller

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A pipeline that ignores cancellation cannot hold Shutdown for ever: Close gives up after the
// grace, even on a context without deadline, and says why.
func TestCloseReturnsAfterTheGraceWhenAStreamIgnoresCancellation(t *testing.T) {
	rt := New()
	require.Positive(t, rt.ShutdownGrace, "a grace by default")
	require.LessOrEqual(t, rt.ShutdownGrace, 5*time.Second, "a few seconds")
	rt.ShutdownGrace = 10 * time.Millisecond
	set := receivertest.NewNopSettings(component.MustNewType("forgelogs"))
	require.NoError(t, rt.Open(context.Background(), componenttest.NewNopHost(), nil, set))
	stuck, release := make(chan struct{}), make(chan struct{})
	rt.Go(func(context.Context) {
		close(stuck)
		<-release // a ConsumeLogs that never returns
	})
	<-stuck
	err := rt.Close(context.Background())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "ignoring cancellation")
	close(release)
}

// Streams that honour cancellation stop at once, and Close closes the storage.
func TestCloseStopsStreams(t *testing.T) {
	rt := New()
	set := receivertest.NewNopSettings(component.MustNewType("forgelogs"))
	require.NoError(t, rt.Open(context.Background(), componenttest.NewNopHost(), nil, set))
	stopped := make(chan struct{})
	rt.Go(func(ctx context.Context) {
		<-ctx.Done()
		close(stopped)
	})
	require.NoError(t, rt.Close(context.Background()))
	<-stopped
}
