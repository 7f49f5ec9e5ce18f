package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// NewFactory returns the factory of the forgelogs receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogsReceiver, metadata.LogsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		ClientConfig:      apiconfig.DefaultClientConfig(),
		PollInterval:      defaultPollInterval,
		Delay:             defaultDelay,
		LateArrival:       defaultLateArrival,
		InitialLookback:   defaultInitialLookback,
		RequestsPerMinute: defaultRequestsPerMinute,
		DiscoveryInterval: discovery.DefaultInterval,
	}
}

func createLogsReceiver(_ context.Context, settings receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(cfg.(*Config), settings, next), nil
}
