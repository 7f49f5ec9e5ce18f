// Package discovery finds the environments of Forge apps as the Forge CLI lists them (SPEC 10), so
// that a receiver can poll an app configured by its id alone. It holds the GraphQL client of
// forge_cli_listEnvironment with its pagination (Client), the periodic listing of one app through
// the shared retry machinery (Watcher: refusals reported as a recoverable status and retried
// slowly, calls on a budget of their own), and the supervision of one run per key as
// environments come and go (Supervisor).
//
// A receiver plugs it in, in Start, once its poller.Runtime is open:
//
//	lister, err := discovery.NewClient(httpClient, cfg.Endpoint, cfg.Email, string(cfg.APIToken), userAgent)
//	d := discovery.New(rt, lister, cfg.DiscoveryInterval, logger)
//	for _, app := range appsWithoutEnvironments {
//		d.Watch(appID, app.EnvironmentTypes, telemetry, func(envs []discovery.Environment) map[string]func(context.Context) {
//			// One run per stream key: runs of new keys start, runs of keys no longer
//			// returned stop (their status refusals cleared), the others go on.
//			return runsFor(app, envs)
//		})
//	}
//
// telemetry implements Telemetry: the receiver's own counters of discovery calls (by status code),
// of discovered environments and of changes. Nothing of an app runs before its first listing
// succeeds; Runtime.Close stops the watchers, which stop their runs. A receiver that polls all of
// an app's environments in one stream returns one key and hands the environments to that stream
// itself (see forgemetricsreceiver's discoveredEnvironments, which also keeps exactly-once when the
// set changes). Config validation uses ValidType for environment_types and DefaultInterval as the
// default discovery_interval.
package discovery // import "github.com/forgelogs/otelcol-forge/internal/discovery"
