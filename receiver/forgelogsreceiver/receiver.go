package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/forgeapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// scopeName is the instrumentation scope of every record: the receiver's import path.
const scopeName = "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

// forgeReceiver owns one goroutine per stream.
type forgeReceiver struct {
	cfg      *Config
	settings receiver.Settings
	consumer consumer.Logs
	clock    clock
	// transient and refused pace retries; tests shorten them.
	transient, refused backoffPolicy

	telemetry     *metadata.TelemetryBuilder
	storageClient storage.Client
	cancel        context.CancelFunc
	wg            sync.WaitGroup
}

func newReceiver(cfg *Config, settings receiver.Settings, next consumer.Logs) *forgeReceiver {
	return &forgeReceiver{
		cfg: cfg, settings: settings, consumer: next, clock: realClock{},
		transient: transientBackoff, refused: refusedBackoff,
	}
}

// Start builds the streams and starts polling. It returns at once; the first requests happen in
// the background.
func (r *forgeReceiver) Start(ctx context.Context, host component.Host) error {
	httpClient, err := r.cfg.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("create HTTP client: %w", err)
	}
	client, err := forgeapi.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken), forgeapi.DefaultMaxBodyBytes)
	if err != nil {
		return err
	}
	store, err := r.checkpointStore(ctx, host)
	if err != nil {
		return err
	}
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: r.settings.ID, Transport: "http", ReceiverCreateSettings: r.settings,
	})
	if err != nil {
		return err
	}
	r.telemetry, err = metadata.NewTelemetryBuilder(r.settings.TelemetrySettings)
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	status := newStreamStatus(host)
	scope := forgeapi.Scope{Name: scopeName, Version: r.settings.BuildInfo.Version}
	budgets := map[string]*requestBudget{}
	for _, spec := range streamSpecs(r.cfg) {
		budget, ok := budgets[spec.query.AppID]
		if !ok {
			budget = newRequestBudget(r.clock, r.cfg.RequestsPerMinute)
			budgets[spec.query.AppID] = budget
		}
		s := &stream{
			spec:            spec,
			pollInterval:    r.cfg.PollInterval,
			delay:           r.cfg.Delay,
			initialLookback: r.cfg.InitialLookback,
			fetcher:         client,
			decoder:         forgeapi.NewDecoder(spec.resource, scope),
			budget:          budget,
			store:           store,
			consumer:        r.consumer,
			obsrecv:         obsrecv,
			telemetry:       r.telemetry,
			status:          status,
			clock:           r.clock,
			transient:       r.transient,
			refused:         r.refused,
			logger: r.settings.Logger.With(zap.String("app_id", spec.query.AppID),
				zap.String("environment_id", spec.query.EnvironmentID), zap.String("stream", spec.key)),
			attrs: metric.WithAttributes(attribute.String("app_id", spec.query.AppID),
				attribute.String("environment_id", spec.query.EnvironmentID)),
		}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			s.run(runCtx)
		}()
	}
	return nil
}

func (r *forgeReceiver) checkpointStore(ctx context.Context, host component.Host) (checkpoint.Store, error) {
	if r.cfg.StorageID == nil {
		r.settings.Logger.Warn("No storage configured: progress is kept in memory only, and a restart reads again from initial_lookback. Set \"storage\" to a storage extension such as file_storage.")
		return checkpoint.NewMemoryStore(), nil
	}
	ext, ok := host.GetExtensions()[*r.cfg.StorageID]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", r.cfg.StorageID)
	}
	storageExt, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", r.cfg.StorageID)
	}
	client, err := storageExt.GetClient(ctx, component.KindReceiver, r.settings.ID, "")
	if err != nil {
		return nil, fmt.Errorf("storage: get client of %q: %w", r.cfg.StorageID, err)
	}
	r.storageClient = client
	return checkpoint.NewStorageStore(client), nil
}

// Shutdown cancels requests in flight and waits for every stream to stop. Progress is committed
// page by page, so nothing partial needs saving here.
func (r *forgeReceiver) Shutdown(ctx context.Context) error {
	if r.cancel != nil {
		r.cancel()
	}
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	var errs []error
	if r.storageClient != nil {
		errs = append(errs, r.storageClient.Close(context.WithoutCancel(ctx)))
	}
	if r.telemetry != nil {
		r.telemetry.Shutdown()
	}
	return errors.Join(errs...)
}
