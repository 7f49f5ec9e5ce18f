package receiverharness

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

// CreateMetrics makes a metrics receiver of cfg with f, as the collector does: the configuration
// is validated first, and a configuration the collector would refuse fails the test.
func CreateMetrics(t testing.TB, f receiver.Factory, set receiver.Settings, cfg component.Config, next consumer.Metrics) receiver.Metrics {
	t.Helper()
	require.NoError(t, confmap.Validate(cfg))
	r, err := f.CreateMetrics(context.Background(), set, cfg, next)
	require.NoError(t, err)
	return r
}

// CreateLogs makes a logs receiver of cfg with f, as the collector does: the configuration is
// validated first, and a configuration the collector would refuse fails the test.
func CreateLogs(t testing.TB, f receiver.Factory, set receiver.Settings, cfg component.Config, next consumer.Logs) receiver.Logs {
	t.Helper()
	require.NoError(t, confmap.Validate(cfg))
	r, err := f.CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	return r
}
