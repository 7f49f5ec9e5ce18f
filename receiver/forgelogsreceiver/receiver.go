package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/poller"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/metadata"
)

const (
	// maxWindow is the longest span the API serves in one query.
	maxWindow = time.Hour
	// retentionMargin keeps the oldest window safely inside the API's 14 days.
	retentionMargin = 10 * time.Minute
)

// forgeReceiver runs one stream per (app, environment, site shard).
type forgeReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	consumer  consumer.Logs
	rt        *poller.Runtime
	telemetry *metadata.TelemetryBuilder

	// Set by Start, read by the streams that discovery starts.
	client  *logsapi.Client
	scope   logsapi.Scope
	budgets map[string]*budget.Budget
}

func newReceiver(cfg *Config, settings receiver.Settings, next consumer.Logs) *forgeReceiver {
	return &forgeReceiver{cfg: cfg, settings: settings, consumer: next, rt: poller.New()}
}

// plan is the shape of the logs API's windows.
func (cfg *Config) plan() window.Plan {
	return window.Plan{
		Max: maxWindow, Align: time.Millisecond,
		Delay: cfg.Delay, LateArrival: cfg.LateArrival, PollInterval: cfg.PollInterval, Cadence: true,
		InitialLookback: cfg.InitialLookback,
		Retention:       maxLookback, RetentionMargin: retentionMargin,
	}
}

// Start builds the streams and starts polling. It returns at once; the first requests happen in
// the background.
func (r *forgeReceiver) Start(ctx context.Context, host component.Host) error {
	httpClient, err := r.rt.Connect(ctx, host, r.cfg.ClientConfig, r.cfg.StorageID, r.settings)
	if err != nil {
		return err
	}
	client, err := logsapi.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken),
		apiconfig.Product(r.settings.BuildInfo), logsapi.DefaultMaxBodyBytes)
	if err != nil {
		return err
	}
	r.telemetry, err = metadata.NewTelemetryBuilder(r.settings.TelemetrySettings)
	if err != nil {
		return err
	}
	r.scope = logsapi.Scope{Name: metadata.ScopeName, Version: r.settings.BuildInfo.Version}
	r.client = client
	r.budgets = map[string]*budget.Budget{}
	for _, app := range r.cfg.Apps {
		// The API counts requests per app: all of its streams share one budget, also with the
		// streams of another receiver of this collector that polls the app.
		if _, ok := r.budgets[app.id()]; !ok {
			r.budgets[app.id()] = r.rt.SharedBudget(budgetKey(r.cfg.Endpoint, app.id()), r.cfg.RequestsPerMinute)
		}
	}
	specs := streamSpecs(r.cfg)
	plans := r.cfg.appPlans(specs)
	for _, spec := range specs {
		r.rt.Go(r.newStream(spec, plans[spec.query.AppID]).run)
	}
	return r.startDiscovery(httpClient)
}

// newStream builds the stream of spec, paced by its app's plan. It is safe to call from
// discovery's goroutines.
func (r *forgeReceiver) newStream(spec streamSpec, plan window.Plan) *stream {
	logger := r.settings.Logger.With(zap.String("app_id", spec.query.AppID),
		zap.String("environment_id", spec.query.EnvironmentID), zap.String("stream", spec.key))
	tel := newStreamTelemetry(r.telemetry, spec.query.AppID, spec.query.EnvironmentID)
	return &stream{
		walk: poller.Walk(r.rt, plan, spec.key, spec.queryHash, r.budgets[spec.query.AppID], tel, r.rt.LogsSink(r.consumer, dataFormat), logger),
		source: &source{
			spec: spec, plan: plan, fetcher: r.client, pool: r.rt.Pool, scope: r.scope,
			tel: tel, clock: r.rt.Clock, logger: logger,
		},
		tel: tel,
	}
}

// Shutdown cancels requests in flight and waits for every stream to stop. Progress is committed
// page by page, so nothing partial needs saving here.
func (r *forgeReceiver) Shutdown(ctx context.Context) error {
	if r.telemetry != nil {
		defer r.telemetry.Shutdown()
	}
	return r.rt.Close(ctx)
}

// budgetKey names the budget of an app at an endpoint: the logs API counts requests per app,
// whoever sends them.
func budgetKey(endpoint, appID string) string {
	return "forgelogs " + strings.TrimRight(endpoint, "/") + " " + appID
}
