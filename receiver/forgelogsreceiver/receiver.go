package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/forgeapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

// scopeName is the instrumentation scope of every record: the receiver's import path.
const scopeName = "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

const (
	// maxWindow is the longest span the API serves in one query.
	maxWindow = time.Hour
	// retentionMargin keeps the oldest window safely inside the API's 14 days.
	retentionMargin = 10 * time.Minute
)

// forgeReceiver owns one goroutine per stream.
type forgeReceiver struct {
	cfg      *Config
	settings receiver.Settings
	consumer consumer.Logs
	// clock, jitter and the backoff policies pace everything; tests replace them.
	clock              clock.Clock
	jitter             backoff.Jitter
	transient, refused backoff.Policy
	// pool bounds the pages in flight across all streams.
	pool *pages.Pool

	telemetry     *metadata.TelemetryBuilder
	storageClient storage.Client
	streams       *group.Group
}

func newReceiver(cfg *Config, settings receiver.Settings, next consumer.Logs) *forgeReceiver {
	return &forgeReceiver{
		cfg: cfg, settings: settings, consumer: next,
		clock: clock.Real{}, jitter: backoff.RandomJitter,
		transient: backoff.Transient, refused: backoff.Refused,
		pool: pages.NewPool(pages.DefaultSlots()),
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
	streamStatus := status.New(host)
	scope := forgeapi.Scope{Name: scopeName, Version: r.settings.BuildInfo.Version}
	plan := window.Plan{
		Max: maxWindow, Align: time.Millisecond,
		Delay: r.cfg.Delay, PollInterval: r.cfg.PollInterval, InitialLookback: r.cfg.InitialLookback,
		Retention: maxLookback, RetentionMargin: retentionMargin,
	}
	budgets := map[string]*budget.Budget{}
	for _, spec := range streamSpecs(r.cfg) {
		// The API counts requests per app: all of its streams share one budget.
		appBudget, ok := budgets[spec.query.AppID]
		if !ok {
			appBudget = budget.New(r.clock, r.cfg.RequestsPerMinute)
			budgets[spec.query.AppID] = appBudget
		}
		logger := r.settings.Logger.With(zap.String("app_id", spec.query.AppID),
			zap.String("environment_id", spec.query.EnvironmentID), zap.String("stream", spec.key))
		tel := newStreamTelemetry(r.telemetry, spec.query.AppID, spec.query.EnvironmentID)
		s := &stream{
			spec: spec,
			walk: &window.Walk{
				Plan: plan, Clock: r.clock, Store: store, Key: spec.key, QueryHash: spec.queryHash,
				Status: streamStatus, Observer: tel, Logger: logger,
			},
			caller: &retry.Caller{
				Clock: r.clock, Budget: appBudget, Transient: r.transient, Refused: r.refused, Jitter: r.jitter,
				Retention: maxLookback, RetentionEdge: 2 * retentionMargin,
				Status: streamStatus, Stream: spec.key, Observer: tel, Logger: logger,
			},
			handover: &retry.Handover{Clock: r.clock, Backoff: r.transient, Jitter: r.jitter, Logger: logger},
			fetcher:  client,
			pool:     r.pool,
			scope:    scope,
			consumer: r.consumer,
			obsrecv:  obsrecv,
			tel:      tel,
			clock:    r.clock,
			logger:   logger,
		}
		r.streams.Go(s.run)
	}
	return nil
}

// Shutdown cancels requests in flight and waits for every stream to stop. Progress is committed
// page by page, so nothing partial needs saving here.
func (r *forgeReceiver) Shutdown(ctx context.Context) error {
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
