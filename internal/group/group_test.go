package group

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStopCancelsAndWaits(t *testing.T) {
	g := New()
	stopped := make(chan struct{}, 2)
	for range 2 {
		g.Go(func(ctx context.Context) {
			<-ctx.Done()
			stopped <- struct{}{}
		})
	}
	require.NoError(t, g.Stop(context.Background()))
	assert.Len(t, stopped, 2, "both ended before Stop returned")
}

func TestStopGivesUpWithItsContext(t *testing.T) {
	g := New()
	release := make(chan struct{})
	g.Go(func(context.Context) { <-release })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, g.Stop(ctx), context.Canceled)
	close(release)
	require.NoError(t, g.Stop(context.Background()))
}

func TestStopOnNilGroup(t *testing.T) {
	var g *Group
	assert.NoError(t, g.Stop(context.Background()))
}
