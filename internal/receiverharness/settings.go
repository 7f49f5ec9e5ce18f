package receiverharness

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Settings names a receiver of type typ, with name when it is not empty: a restarted receiver
// needs the same name to find its checkpoints, and receivers of one collector have their own.
func Settings(typ component.Type, name string) receiver.Settings {
	set := receivertest.NewNopSettings(typ)
	set.ID = component.NewIDWithName(typ, name)
	return set
}

// Observed is what a receiver made with its Settings reports besides its data.
type Observed struct {
	Settings  receiver.Settings
	Telemetry *componenttest.Telemetry
	Logs      *observer.ObservedLogs
}

// Observe returns settings of the receiver named set.ID that keep its self-metrics, read with the
// receiver's generated metadatatest, and its logs from level up.
func Observe(t testing.TB, set receiver.Settings, level zapcore.Level) Observed {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	core, logs := observer.New(level)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	set.Logger = zap.New(core)
	return Observed{Settings: set, Telemetry: tel, Logs: logs}
}
