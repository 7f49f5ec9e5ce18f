package forgeusagereceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver"

import (
	"context"
	"hash/fnv"
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
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"
)

// retentionMargin keeps the oldest window safely inside the 14 days.
const retentionMargin = 10 * time.Minute

// usageReceiver runs one stream per (app, resource), or per (app, resource, environment) when
// grouped by site.
type usageReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	consumer  consumer.Metrics
	rt        *poller.Runtime
	telemetry *metadata.TelemetryBuilder
}

func newReceiver(cfg *Config, settings receiver.Settings, next consumer.Metrics) *usageReceiver {
	return &usageReceiver{cfg: cfg, settings: settings, consumer: next, rt: poller.New()}
}

// plan is the shape of the usage API's windows: `window` long, on UTC boundaries of `window`, so
// that whole periods fall in one window; each read once it is `delay` past its end.
func (cfg *Config) plan() window.Plan {
	return window.Plan{
		Max: cfg.Window, Align: cfg.Window,
		Delay: cfg.Delay, PollInterval: cfg.CollectionInterval, InitialLookback: cfg.InitialLookback,
		Retention: appconfig.MaxLookback, RetentionMargin: retentionMargin,
	}
}

// Start builds the streams and starts polling. It returns at once.
func (r *usageReceiver) Start(ctx context.Context, host component.Host) error {
	if unknown := r.cfg.unknownResources(); len(unknown) > 0 {
		r.settings.Logger.Warn("Resource names the API does not document; asking for them anyway. A name the API rejects shows as a refusal naming it.",
			zap.Strings("resources", unknown))
	}
	httpClient, err := r.rt.Connect(ctx, host, r.cfg.ClientConfig, r.cfg.StorageID, r.settings)
	if err != nil {
		return err
	}
	client, err := usageapi.NewClient(httpClient, r.cfg.Endpoint, r.cfg.Email, string(r.cfg.APIToken),
		userAgent(r.settings.BuildInfo), usageapi.DefaultMaxBodyBytes)
	if err != nil {
		return err
	}
	r.telemetry, err = metadata.NewTelemetryBuilder(r.settings.TelemetrySettings)
	if err != nil {
		return err
	}
	// The API's limit of 5 requests a minute is taken as the account's own for this API: every
	// stream polled with these credentials shares one budget, also with another forgeusage
	// receiver of this collector that uses the same account. With an authenticator the account
	// is unknown here: the receiver has a budget of its own.
	account := r.rt.AccountBudget(budgetKey(r.cfg.Endpoint, r.cfg.Email), r.cfg.Email, r.cfg.RequestsPerMinute)
	once := &onceLogs{}
	var discovered []AppConfig
	for _, app := range r.cfg.apps() {
		if app.Discovers() {
			discovered = append(discovered, app)
			continue
		}
		for _, spec := range r.streams(app) {
			r.rt.Go(r.newStream(spec, client, account, once))
		}
	}
	return r.startDiscovery(httpClient, discovered, client, account, once)
}

// streamSpec is what one stream reads: the query without its window and page, and where its usage
// goes. Environments come from the app entry or its last listing; polled, when set, replaces them
// page by page as discovery lists the app again.
type streamSpec struct {
	key    string
	query  usageapi.Query
	window usageapi.Window
	polled *environmentSet
}

// streams lists app's streams: per resource, and per environment too when grouped by site (the
// environment filter then gives every site's usage its environment).
func (r *usageReceiver) streams(app AppConfig) []streamSpec {
	appID := apiconfig.BareAppID(app.AppID)
	envs := make([]usageapi.Environment, len(app.Environments))
	for i, env := range app.Environments {
		envs[i] = usageapi.Environment{ID: env.ID, Name: env.Name}
	}
	scope := usageapi.Scope{Name: metadata.ScopeName, Version: r.settings.BuildInfo.Version}
	var specs []streamSpec
	for _, resource := range r.cfg.resources() {
		spec := streamSpec{
			key:   "usage/" + appID + "/" + resource,
			query: usageapi.Query{AppID: appID, Resource: resource, GroupBy: r.cfg.GroupBy},
			window: usageapi.Window{ServiceName: app.ResourceServiceName(), AppID: appID, Resource: resource,
				GroupBy: r.cfg.GroupBy, Environments: envs, Scope: scope},
		}
		if r.cfg.GroupBy != usageapi.GroupBySite {
			specs = append(specs, spec)
			continue
		}
		for _, env := range envs {
			perEnv := spec
			perEnv.key += "/" + env.ID
			perEnv.query.Environment, perEnv.window.Environment = env.ID, env.ID
			specs = append(specs, perEnv)
		}
	}
	return specs
}

// newStream returns the run of spec's stream.
func (r *usageReceiver) newStream(spec streamSpec, client pageFetcher, account *budget.Budget, once *onceLogs) func(context.Context) {
	logger := r.settings.Logger.With(zap.String("app_id", spec.query.AppID), zap.String("resource", spec.query.Resource))
	if spec.query.Environment != "" {
		logger = logger.With(zap.String("environment_id", spec.query.Environment))
	}
	tel := newStreamTelemetry(r.telemetry, spec.query.AppID, spec.query.Resource)
	walk := poller.Walk(r.rt, r.cfg.plan(), spec.key, queryHash(spec.query), account, tel, r.rt.MetricsSink(r.consumer, dataFormat), logger)
	source := &stream{
		query: spec.query, window: spec.window, polled: spec.polled,
		fetcher: client, pool: r.rt.Pool, tel: tel, once: once, logger: logger,
	}
	return func(ctx context.Context) {
		tel.start(ctx)
		walk.Run(ctx, source)
	}
}

// queryHash identifies what a stream's pages are pages of: a page number kept in a checkpoint
// means nothing for another query.
func queryHash(q usageapi.Query) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(q.Resource + "\x00" + q.GroupBy + "\x00" + q.Environment))
	return h.Sum64()
}

// Shutdown cancels calls in flight and waits for every stream to stop. Progress is committed page
// by page, so nothing partial needs saving here.
func (r *usageReceiver) Shutdown(ctx context.Context) error {
	if r.telemetry != nil {
		defer r.telemetry.Shutdown()
	}
	return r.rt.Close(ctx)
}

// userAgent is the one the API's documentation recommends, followed by the distribution's name
// and version when the collector has them.
func userAgent(build component.BuildInfo) string {
	return strings.TrimSpace(usageapi.DocumentedUserAgent + " " + apiconfig.Product(build))
}

// budgetKey names the budget of an account at an endpoint for the usage API: distinct from the
// metrics API's, as nothing documents that the two share a limit.
func budgetKey(endpoint, email string) string {
	return "forgeusage " + strings.TrimRight(endpoint, "/") + " " + strings.ToLower(email)
}
