package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/backoff"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/group"
	"github.com/forgelogs/otelcol-forge/internal/pages"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

// scopeName is the instrumentation scope of every data point: the receiver's import path.
const scopeName = "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

const (
	// maxWindow is the longest interval the API serves in one call.
	maxWindow = 15 * time.Minute
	// retentionMargin keeps the oldest window safely inside the API's 14 days.
	retentionMargin = 10 * time.Minute
)

// metricsReceiver owns one goroutine per app.
type metricsReceiver struct {
	cfg      *Config
	settings receiver.Settings
	consumer consumer.Metrics
	// clock, jitter and the backoff policies pace everything; tests replace them.
	clock              clock.Clock
	jitter             backoff.Jitter
	transient, refused backoff.Policy
	pool               *pages.Pool

	telemetry     *metadata.TelemetryBuilder
	storageClient storage.Client
	streams       *group.Group
}

func newReceiver(cfg *Config, settings receiver.Settings, next consumer.Metrics) *metricsReceiver {
	return &metricsReceiver{
		cfg: cfg, settings: settings, consumer: next,
		clock: clock.Real{}, jitter: backoff.RandomJitter,
		transient: backoff.Transient, refused: backoff.Refused,
		pool: pages.NewPool(pages.DefaultSlots()),
	}
}

// Start builds one stream per app and starts polling. It returns at once.
func (r *metricsReceiver) Start(ctx context.Context, host component.Host) error {
	if unknown := r.cfg.unknownMetrics(); len(unknown) > 0 {
		r.settings.Logger.Warn("Metric names the API does not document; asking for them anyway. A name the API rejects shows as a refusal naming it.",
			zap.Strings("metrics", unknown))
	}
	httpClient, err := r.cfg.ToClient(ctx, host.GetExtensions(), r.settings.TelemetrySettings)
	if err != nil {
		return fmt.Errorf("create HTTP client: %w", err)
	}
	userAgent := metricsapi.DocumentedUserAgent + " " + r.settings.BuildInfo.Command + "/" + r.settings.BuildInfo.Version
	client, err := metricsapi.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken), strings.TrimSpace(userAgent), metricsapi.DefaultMaxBodyBytes)
	if err != nil {
		return err
	}
	store, storageClient, err := checkpoint.Open(ctx, host, r.cfg.StorageID, r.settings.ID, r.settings.Logger)
	if err != nil {
		return err
	}
	r.storageClient = storageClient
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

	r.streams = group.New()
	appStatus := status.New(host)
	plan := window.Plan{
		Max: maxWindow, Align: time.Minute,
		Delay: r.cfg.Delay, PollInterval: r.cfg.CollectionInterval, InitialLookback: r.cfg.InitialLookback,
		Retention: maxLookback, RetentionMargin: retentionMargin,
	}
	// The API counts calls per account: every app polled with these credentials shares one budget.
	account := budget.New(r.clock, r.cfg.RequestsPerMinute)
	for _, app := range r.cfg.Apps {
		appID := metricsapi.BareAppID(app.AppID)
		key := "metrics/" + appID
		logger := r.settings.Logger.With(zap.String("app_id", appID))
		tel := newAppTelemetry(r.telemetry, appID)
		s := &stream{
			query:  metricsapi.Query{AppID: appID, EnvironmentIDs: environmentIDs(app), Metrics: r.cfg.metrics()},
			window: metricsapi.Window{ServiceName: app.serviceName(), AppID: appID, Environments: environments(app), Scope: metricsapi.Scope{Name: scopeName, Version: r.settings.BuildInfo.Version}},
			walk: &window.Walk{
				Plan: plan, Clock: r.clock, Store: store, Key: key,
				Status: appStatus, Observer: tel, Logger: logger,
			},
			caller: &retry.Caller{
				Clock: r.clock, Budget: account, Transient: r.transient, Refused: r.refused, Jitter: r.jitter,
				Retention: maxLookback, RetentionEdge: 2 * retentionMargin,
				Status: appStatus, Stream: key, Observer: tel, Logger: logger,
			},
			handover: &retry.Handover{Clock: r.clock, Backoff: r.transient, Jitter: r.jitter, Logger: logger},
			fetcher:  client,
			pool:     r.pool,
			consumer: r.consumer,
			obsrecv:  obsrecv,
			tel:      tel,
			logger:   logger,
		}
		r.streams.Go(s.run)
	}
	return nil
}

func environmentIDs(app AppConfig) []string {
	ids := make([]string, len(app.Environments))
	for i, env := range app.Environments {
		ids[i] = env.ID
	}
	return ids
}

func environments(app AppConfig) []metricsapi.Environment {
	envs := make([]metricsapi.Environment, len(app.Environments))
	for i, env := range app.Environments {
		envs[i] = metricsapi.Environment{ID: env.ID, Name: env.Name}
	}
	return envs
}

// Shutdown cancels calls in flight and waits for every app to stop. Progress is committed window
// by window, so nothing partial needs saving here.
func (r *metricsReceiver) Shutdown(ctx context.Context) error {
	if err := r.streams.Stop(ctx); err != nil {
		return err // streams may still write checkpoints: leave the storage open
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
