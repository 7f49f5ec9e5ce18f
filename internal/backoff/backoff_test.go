package backoff

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	ceiling := func(d time.Duration) time.Duration { return d }
	b := Policy{Initial: time.Second, Max: 8 * time.Second}.Start(ceiling)
	var got []time.Duration
	for range 6 {
		got = append(got, b.Next())
	}
	assert.Equal(t, []time.Duration{1, 2, 4, 8, 8, 8}, scale(got, time.Second))
}

func TestRandomJitterStaysBetweenHalfAndAll(t *testing.T) {
	for range 1000 {
		d := RandomJitter(10 * time.Second)
		assert.GreaterOrEqual(t, d, 5*time.Second)
		assert.LessOrEqual(t, d, 10*time.Second)
	}
}

func TestDefaultPolicies(t *testing.T) {
	assert.Equal(t, Policy{Initial: time.Second, Max: time.Minute}, Transient)
	assert.Equal(t, Policy{Initial: 2 * time.Minute, Max: 5 * time.Minute}, Refused)
}

func scale(ds []time.Duration, unit time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d / unit
	}
	return out
}
