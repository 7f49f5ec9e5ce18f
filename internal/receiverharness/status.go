package receiverharness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// RequireRefusedThenRecovered requires that the first status host was told is a recoverable error
// (the API refused the receiver's first requests) and the last is OK (it reads again).
func RequireRefusedThenRecovered(t testing.TB, host *statustest.Host) {
	t.Helper()
	statuses := host.Statuses()
	require.NotEmpty(t, statuses)
	assert.Equal(t, componentstatus.StatusRecoverableError, statuses[0], "the refusal is reported: %v", statuses)
	assert.Equal(t, componentstatus.StatusOK, statuses[len(statuses)-1], "the recovery is reported: %v", statuses)
}
