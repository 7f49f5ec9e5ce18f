package main

// Files the discovery mutations edit.
const (
	discoveryQuery      = "internal/discovery/query.go"
	discoveryClient     = "internal/discovery/client.go"
	discoveryWatcher    = "internal/discovery/watcher.go"
	discoverySupervisor = "internal/discovery/supervisor.go"
	logsDiscovery       = "receiver/forgelogsreceiver/discovery.go"
	metricsDiscovered   = "receiver/forgemetricsreceiver/discovered.go"
)

// SPEC 3 and 10: discovering an app's environments.
func init() {
	mutations = append(mutations,
		replace("discovery-query-without-total-count",
			"the environment list is asked with the Forge CLI's query (10)", discoveryQuery,
			"pageInfo { hasNextPage endCursor } totalCount }", "pageInfo { hasNextPage endCursor } }"),
		replace("discovery-bare-app-id",
			"the environment list is asked for the app's ARI (10)", discoveryQuery,
			"ID: apiconfig.AppARIPrefix + apiconfig.BareAppID(appID)", "ID: apiconfig.BareAppID(appID)"),
		replace("discovery-cursor-not-sent",
			"every page of the environment list is read by its cursor (10)", discoveryQuery,
			"\tif cursor != \"\" {\n\t\tv.After = &cursor\n\t}\n", ""),
		replace("discovery-first-page-only",
			"every page of the environment list is read (10)", discoveryWatcher,
			"\t\tif page.Next == \"\" {\n\t\t\treturn envs, nil", "\t\tif true {\n\t\t\treturn envs, nil"),
		replace("discovery-graphql-errors-taken-for-no-environments",
			"GraphQL errors are a refusal: reported, retried slowly (10)", discoveryClient,
			"\tif len(a.Errors) > 0 {", "\tif len(a.Errors) > 0 && a.Data != nil {"),
		replace("discovery-unknown-app-taken-for-no-environments",
			"an app the account cannot see is a refusal, not an app without environments (10)", discoveryClient,
			"return Page{}, &apierror.StatusError{StatusCode: http.StatusNotFound, Reason: \"app not found, or the account may not see it\"}",
			"return Page{}, nil"),
		replace("discovery-token-logged",
			"a refused listing is logged without the token (10, 4 API errors)", discoveryClient,
			"Reason:     apierror.Mask(apierror.ReasonOf(buf.Bytes()), secrets),", "Reason:     apierror.ReasonOf(buf.Bytes()),"),
		replace("discovery-types-ignored",
			"only environments of the listed environment_types are polled (10)", discoveryWatcher,
			"if len(w.Types) > 0 && !slices.Contains(w.Types, strings.ToUpper(env.Type)) {", "if false {"),
		replace("discovery-changes-not-applied",
			"an environment created or deleted while the collector runs is polled or stopped without a restart (10)", discoveryWatcher,
			"if !first && len(appeared) == 0 && len(vanished) == 0 && slices.Equal(w.current, envs) {", "if !first {"),
		replace("discovery-changes-not-counted",
			"changes of an app's environments are counted (10, 7)", discoveryWatcher,
			"\tw.Observer.Changed(ctx, len(appeared), len(vanished))\n", ""),
		replace("discovery-vanished-not-logged",
			"changes of an app's environments are logged (10)", discoveryWatcher,
			"\t\tw.Logger.Info(\"Environment no longer listed; polling stops and its checkpoint is kept\",", "\t\tw.Logger.Debug(\"Environment no longer listed; polling stops and its checkpoint is kept\","),
		replace("discovery-vanished-stream-kept",
			"an environment no longer listed stops being polled (10)", discoverySupervisor,
			"\t\tif _, ok := want[key]; !ok {\n\t\t\tt.stop()", "\t\tif _, ok := want[key]; !ok && false {\n\t\t\tt.stop()"),
		replace("discovery-empty-list-discovers",
			"an explicitly empty environments list is refused, naming the key (3)", logsConfig,
			"func (app AppConfig) discovers() bool { return app.Environments == nil }", "func (app AppConfig) discovers() bool { return len(app.Environments) == 0 }"),
		replace("discovery-unknown-type-accepted",
			"an unknown environment_types entry is refused, naming the key (3)", "internal/discovery/config.go",
			"\t\tif !ValidType(t) {", "\t\tif !ValidType(t) && false {"),
		replace("discovered-environment-named-by-id",
			"deployment.environment.name is the discovered environment's key (10)", logsDiscovery,
			"out[i] = EnvironmentConfig{ID: env.ID, Name: env.Key}", "out[i] = EnvironmentConfig{ID: env.ID, Name: env.ID + \"-\"}"),
		replace("discovered-metrics-environment-starts-with-the-app",
			"a new environment starts at initial_lookback (10)", metricsDiscovered,
			"\t\tstart := d.plan.First(listed)\n", "\t\tstart := d.plan.First(listed).Add(d.plan.InitialLookback / 2)\n"),
		replace("discovered-metrics-position-not-saved",
			"a discovered environment's points are delivered once, across changes and restarts (10, 9)", metricsDiscovered,
			"\t\t\tcommit.Others = append(commit.Others, r.moveTo(id, stepEnd))\n", "\t\t\t_ = r.moveTo(id, stepEnd)\n"),
		replace("discovered-metrics-one-call-from-the-earliest-position",
			"a discovered environment is asked only for the span after its own position: every point once (10, 9)", metricsDiscovered,
			"\t\tif d.positions[id].Equal(start) {", "\t\tif !d.positions[id].IsZero() {"),
		replace("discovered-metrics-position-not-read-back",
			"a restart resumes each discovered environment where it stopped: nothing twice (10, 9 Checkpoint)", metricsDiscovered,
			"\td.positions[envID] = state.WindowStart\n\treturn state.WindowStart, true, nil\n", "\t_ = state\n\td.positions[envID] = d.plan.First(listed)\n\treturn d.plan.First(listed), true, nil\n"),
	)
}
