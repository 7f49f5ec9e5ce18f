// Package poller is what a receiver's streams run on: how they are paced (clock, jitter,
// backoff), where their pages and checkpoints live, the component status they report to, and the
// goroutines that run them. A receiver opens it in Start and closes it in Shutdown.
package poller // import "github.com/forgelogs/otelcol-forge/internal/poller"

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
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
)

// Runtime is shared by the streams of one receiver.
type Runtime struct {
	// Clock, Jitter and the backoff policies pace everything; tests replace them before Open.
	Clock              clock.Clock
	Jitter             backoff.Jitter
	Transient, Refused backoff.Policy
	// Pool bounds the requests and the pages in flight across all streams.
	Pool *pages.Pool
	// ShutdownGrace bounds how long Close waits for the streams, whatever the context allows.
	ShutdownGrace time.Duration

	// Set by Open.
	Store     checkpoint.Store
	Status    *status.Streams
	ObsReport *receiverhelper.ObsReport

	storageClient storage.Client
	streams       *group.Group
	// budgets gives back the shared budgets at Close.
	budgets []func()
}

// New returns a runtime on the wall clock with the production pacing.
func New() *Runtime {
	return &Runtime{
		Clock: clock.Real{}, Jitter: backoff.RandomJitter,
		Transient: backoff.Transient, Refused: backoff.Refused,
		Pool: pages.NewDefaultPool(), ShutdownGrace: DefaultShutdownGrace,
	}
}

// DefaultShutdownGrace is how long a receiver's Shutdown waits for its streams. They stop at
// once unless a pipeline ignores the cancellation of ConsumeLogs or ConsumeMetrics; the collector
// passes Shutdown a context without deadline, and must not wait on such a pipeline for ever.
const DefaultShutdownGrace = 5 * time.Second

// Open prepares the checkpoint store (the storage extension storageID, or memory), the component
// status and the receiver's ObsReport.
func (r *Runtime) Open(ctx context.Context, host component.Host, storageID *component.ID, settings receiver.Settings) error {
	store, client, err := checkpoint.Open(ctx, host, storageID, settings.ID, settings.Logger)
	if err != nil {
		return err
	}
	r.Store, r.storageClient = store, client
	r.ObsReport, err = receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: settings.ID, Transport: "http", ReceiverCreateSettings: settings,
	})
	if err != nil {
		return err
	}
	r.Status = status.New(host)
	r.streams = group.New()
	return nil
}

// Connect opens the runtime (see Open) and returns the HTTP client of a receiver's client
// configuration, with the host's extensions (an authenticator) applied.
func (r *Runtime) Connect(ctx context.Context, host component.Host, client confighttp.ClientConfig, storageID *component.ID, settings receiver.Settings) (*http.Client, error) {
	httpClient, err := client.ToClient(ctx, host.GetExtensions(), settings.TelemetrySettings)
	if err != nil {
		return nil, fmt.Errorf("create HTTP client: %w", err)
	}
	return httpClient, r.Open(ctx, host, storageID, settings)
}

// AccountBudget returns the request budget of the account email, shared under key with every
// receiver of the process that uses the same account: the API's limit is per account, not per
// receiver. Without email an authenticator carries the credentials and the account is unknown
// here: the receiver gets a budget of its own.
func (r *Runtime) AccountBudget(key, email string, perMinute int) *budget.Budget {
	if email == "" {
		return r.Budget(perMinute)
	}
	return r.SharedBudget(key, perMinute)
}

// Budget returns a new request budget on the runtime's clock, for this receiver alone.
func (r *Runtime) Budget(perMinute int) *budget.Budget { return budget.NewStarting(r.Clock, perMinute) }

// SharedBudget returns the budget of key on the runtime's clock, shared with every receiver of
// the process that asks for the same key (the API's limit is per app or per account, not per
// receiver), until Close.
func (r *Runtime) SharedBudget(key string, perMinute int) *budget.Budget {
	b, release := budget.Shared(key, r.Clock, perMinute)
	r.budgets = append(r.budgets, release)
	return b
}

// Observer receives the measurements of one stream: its walk's and its requests'.
type Observer interface {
	window.Observer
	retry.Observer
}

// Walk returns the walk of the stream named key: its requests draw from b, its data goes to sink.
func Walk[T any](r *Runtime, plan window.Plan, key string, queryHash uint64, b *budget.Budget, obs Observer, sink window.Sink[T], logger *zap.Logger) *window.Walk[T] {
	w := &window.Walk[T]{
		Plan: plan, Clock: r.Clock, Store: r.Store, Key: key, QueryHash: queryHash,
		Status: r.Status, Observer: obs, Logger: logger,
		Handover: r.Handover(logger), Sink: sink,
	}
	w.Caller = r.Caller(key, b, obs, logger)
	// A stream stuck on failures falls behind: its lag keeps growing while it retries.
	w.Caller.Retrying = w.RecordLag
	return w
}

// Caller returns a request runner that reports as stream and draws from b.
func (r *Runtime) Caller(stream string, b *budget.Budget, obs retry.Observer, logger *zap.Logger) *retry.Caller {
	return &retry.Caller{
		Clock: r.Clock, Tickets: r.Pool, Budget: b, Transient: r.Transient, Refused: r.Refused, Jitter: r.Jitter,
		Status: r.Status, Stream: stream, Observer: obs, Logger: logger,
	}
}

// Handover returns the pipeline hand-over of a stream.
func (r *Runtime) Handover(logger *zap.Logger) *retry.Handover {
	return &retry.Handover{Clock: r.Clock, Backoff: r.Transient, Jitter: r.Jitter, Logger: logger}
}

// Go runs a stream until Close.
func (r *Runtime) Go(run func(ctx context.Context)) { r.streams.Go(run) }

// Close stops every stream, then closes the storage. If the streams do not stop within
// ShutdownGrace or before ctx ends, Close returns an error and the storage stays open, since they
// may still write checkpoints (only of what the pipeline accepted).
func (r *Runtime) Close(ctx context.Context) error {
	if r.ShutdownGrace > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.ShutdownGrace)
		defer cancel()
	}
	if err := r.streams.Stop(ctx); err != nil {
		// The streams left behind still draw from their budgets: keep them held.
		return fmt.Errorf("streams still running after %s, left behind (is a processor or exporter ignoring cancellation?): %w", r.ShutdownGrace, err)
	}
	for _, release := range r.budgets {
		release()
	}
	r.budgets = nil
	if r.storageClient != nil {
		return r.storageClient.Close(context.WithoutCancel(ctx))
	}
	return nil
}
