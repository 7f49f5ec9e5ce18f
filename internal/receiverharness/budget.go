package receiverharness

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// RequireSaturatedBudget requires more than atLeast calls, so that the streams behind them were
// held back by their budget rather than by having nothing to read, and at most perMinute of them
// in any minute: one budget, however many streams and receivers drew from it.
func RequireSaturatedBudget(t testing.TB, calls []time.Time, atLeast, perMinute int) {
	t.Helper()
	require.Greater(t, len(calls), atLeast, "every stream was behind, so the budget was saturated")
	assert.LessOrEqual(t, clocktest.MaxInAnyMinute(calls), perMinute, "one budget of %d calls a minute", perMinute)
}
