package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
)

// streamSpecs expands the configuration into the streams of its listed environments: one per
// (app, environment, shard of at most 50 installation contexts). The streams of discovered
// environments come from appStreamSpecs as discovery finds them.
func streamSpecs(cfg *Config) []streamSpec {
	var specs []streamSpec
	for _, app := range cfg.Apps {
		specs = append(specs, appStreamSpecs(app, app.Environments)...)
	}
	return specs
}

// appStreamSpecs returns the streams of app in envs. A discovered environment's stream has the key
// it would have if listed, so that its checkpoint is the same either way.
func appStreamSpecs(app AppConfig, envs []EnvironmentConfig) []streamSpec {
	var specs []streamSpec
	levels := slices.Clone(app.Levels)
	slices.Sort(levels)
	// Sorted sites keep each site in the same shard across restarts when the list is reordered.
	sites := slices.Clone(app.InstallationContexts)
	slices.Sort(sites)
	sites = slices.Compact(sites)
	shards := [][]string{nil}
	if len(sites) > 0 {
		shards = slices.Collect(slices.Chunk(sites, logsapi.MaxInstallationContexts))
	}
	for _, env := range envs {
		for i, shard := range shards {
			query := logsapi.Query{
				AppID:                app.id(),
				EnvironmentID:        env.ID,
				Levels:               levels,
				Message:              app.Message,
				InstallationContexts: shard,
			}
			specs = append(specs, streamSpec{
				key:       fmt.Sprintf("stream/%s/%s/%d", app.id(), env.ID, i),
				query:     query,
				queryHash: hashQuery(query),
				resource: logsapi.Resource{
					ServiceName:     app.serviceName(),
					AppID:           app.id(),
					EnvironmentID:   env.ID,
					EnvironmentName: env.Name,
				},
			})
		}
	}
	return specs
}

// hashQuery identifies the filters and sites of a query, whose results a checkpoint's position
// inside a window refers to.
func hashQuery(q logsapi.Query) uint64 {
	h := fnv.New64a()
	write := func(s string) {
		_, _ = h.Write([]byte(s))
		_, _ = h.Write([]byte{0})
	}
	for _, level := range q.Levels {
		write(level)
	}
	write("|" + q.Message)
	for _, site := range q.InstallationContexts {
		write(site)
	}
	return h.Sum64()
}
