package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
	"github.com/forgelogs/otelcol-forge/internal/appconfig"
	"github.com/forgelogs/otelcol-forge/internal/budget"
	"github.com/forgelogs/otelcol-forge/internal/poller"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

const (
	// maxWindow is the longest interval the API serves in one call.
	maxWindow = 15 * time.Minute
	// retentionMargin keeps the oldest window safely inside the API's 14 days.
	retentionMargin = 10 * time.Minute
)

// metricsReceiver runs one stream per app.
type metricsReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	consumer  consumer.Metrics
	rt        *poller.Runtime
	telemetry *metadata.TelemetryBuilder
}

func newReceiver(cfg *Config, settings receiver.Settings, next consumer.Metrics) *metricsReceiver {
	return &metricsReceiver{cfg: cfg, settings: settings, consumer: next, rt: poller.New()}
}

// plan is the shape of the metrics API's windows: whole minutes, as its points are per minute.
func (cfg *Config) plan() window.Plan {
	return window.Plan{
		Max: maxWindow, Align: time.Minute,
		Delay: cfg.Delay, PollInterval: cfg.CollectionInterval, InitialLookback: cfg.InitialLookback,
		Retention: appconfig.MaxLookback, RetentionMargin: retentionMargin,
	}
}

// Start builds one stream per app and starts polling. It returns at once.
func (r *metricsReceiver) Start(ctx context.Context, host component.Host) error {
	if unknown := r.cfg.unknownMetrics(); len(unknown) > 0 {
		r.settings.Logger.Warn("Metric names the API does not document; asking for them anyway. A name the API rejects shows as a refusal naming it.",
			zap.Strings("metrics", unknown))
	}
	httpClient, err := r.rt.Connect(ctx, host, r.cfg.ClientConfig, r.cfg.StorageID, r.settings)
	if err != nil {
		return err
	}
	client, err := metricsapi.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken),
		userAgent(r.settings.BuildInfo), metricsapi.DefaultMaxBodyBytes)
	if err != nil {
		return err
	}
	r.telemetry, err = metadata.NewTelemetryBuilder(r.settings.TelemetrySettings)
	if err != nil {
		return err
	}
	plan := r.cfg.plan()
	scope := metricsapi.Scope{Name: metadata.ScopeName, Version: r.settings.BuildInfo.Version}
	// The API counts calls per account.
	account := r.rt.AccountBudget(budgetKey(r.cfg.Endpoint, r.cfg.Email), r.cfg.Email, r.cfg.RequestsPerMinute)
	var discovered []AppConfig
	for _, app := range r.cfg.streams() {
		if app.Discovers() {
			discovered = append(discovered, app)
			continue
		}
		r.rt.Go(r.newStream(app, plan, scope, client, account, nil))
	}
	return r.startDiscovery(httpClient, discovered, plan, scope, client, account)
}

// appKey names an app's checkpoint.
func appKey(appID string) string { return "metrics/" + appID }

// newStream returns the run of app's stream, which asks for all of its environments in one call;
// discovered holds them for an app whose environments are discovered, else nil.
func (r *metricsReceiver) newStream(app AppConfig, plan window.Plan, scope metricsapi.Scope, client answerFetcher, account *budget.Budget, discovered *discoveredEnvironments) func(context.Context) {
	appID := apiconfig.BareAppID(app.AppID)
	logger := r.settings.Logger.With(zap.String("app_id", appID))
	tel := newAppTelemetry(r.telemetry, appID)
	var obs poller.Observer = tel
	var queryHash uint64
	if discovered != nil {
		// The app's walk does not count skipped spans: its environments do, each its own.
		obs, queryHash = lagOnly{tel}, discoveredQueryHash
	}
	walk := poller.Walk(r.rt, plan, appKey(appID), queryHash, account, obs, r.rt.MetricsSink(r.consumer, dataFormat), logger)
	source := &stream{
		query:   metricsapi.Query{AppID: appID, EnvironmentIDs: environmentIDs(app), Metrics: r.cfg.metrics()},
		window:  metricsapi.Window{ServiceName: app.ResourceServiceName(), AppID: appID, Environments: environments(app), Scope: scope},
		fetcher: client, pool: r.rt.Pool, tel: tel, clock: r.rt.Clock, logger: logger,
		discovered: discovered,
	}
	return func(ctx context.Context) {
		tel.start(ctx)
		if discovered != nil {
			discovered.inherit(ctx, appKey(appID))
		}
		walk.Run(ctx, source)
	}
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
	if r.telemetry != nil {
		defer r.telemetry.Shutdown()
	}
	return r.rt.Close(ctx)
}

// userAgent is the one the API's documentation recommends, followed by the distribution's name
// and version when the collector has them.
func userAgent(build component.BuildInfo) string {
	return strings.TrimSpace(metricsapi.DocumentedUserAgent + " " + apiconfig.Product(build))
}

// budgetKey names the budget of an account at an endpoint: the metrics API counts calls per
// account, whichever app they ask about.
func budgetKey(endpoint, email string) string {
	return "forgemetrics " + strings.TrimRight(endpoint, "/") + " " + strings.ToLower(email)
}
