package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/appconfig"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// NewFactory returns the factory of the forgeusage receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithMetrics(createMetricsReceiver, metadata.MetricsStability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Account: appconfig.Account{
			ClientConfig: apiconfig.DefaultClientConfig(),
			Polling: appconfig.Polling{
				CollectionInterval: defaultCollectionInterval,
				Delay:              defaultDelay,
				InitialLookback:    defaultInitialLookback,
				RequestsPerMinute:  defaultRequestsPerMinute,
				DiscoveryInterval:  discovery.DefaultInterval,
			},
		},
		Window:  defaultWindow,
		GroupBy: usageapi.GroupByEnvironment,
	}
}

func createMetricsReceiver(_ context.Context, settings receiver.Settings, cfg component.Config, next consumer.Metrics) (receiver.Metrics, error) {
	return newReceiver(cfg.(*Config), settings, next), nil
}
