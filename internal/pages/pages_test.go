package pages

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPoolBoundsPagesInFlight(t *testing.T) {
	p := NewPool(1, 2)
	a, err := p.Acquire(context.Background())
	require.NoError(t, err)
	b, err := p.Acquire(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, p.InFlight())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Acquire(ctx)
	require.ErrorIs(t, err, context.Canceled, "a third page waits for a slot")

	a.Buf.WriteString("page")
	a.Release()
	a.Release() // harmless
	assert.Equal(t, 1, p.InFlight())
	c, err := p.Acquire(context.Background())
	require.NoError(t, err)
	assert.Zero(t, c.Buf.Len(), "a recycled buffer starts empty")
	b.Release()
	c.Release()
	assert.Zero(t, p.InFlight())
}

func TestPoolBoundsRequestsInFlight(t *testing.T) {
	p := NewPool(1, 1)
	release, err := p.Request(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, p.RequestsInFlight())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Request(ctx)
	require.ErrorIs(t, err, context.Canceled, "a second request waits for the first")
	release()
	release() // harmless
	assert.Zero(t, p.RequestsInFlight())
	again, err := p.Request(context.Background())
	require.NoError(t, err)
	again()
}
