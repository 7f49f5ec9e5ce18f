package main

// Files the forgeusage discovery mutations edit.
const (
	usediscDiscovery = "receiver/forgeusagereceiver/discovery.go"
	usediscStream    = "receiver/forgeusagereceiver/stream.go"
	usediscReceiver  = "receiver/forgeusagereceiver/receiver.go"
	usediscConfig    = "receiver/forgeusagereceiver/config.go"
)

// SPEC 10 and 11: the forgeusage receiver discovering the environments of its apps.
func init() {
	mutations = append(mutations,
		replace("usedisc-polled-set-not-read",
			"grouped by environment, a running stream names and keeps a newly listed environment's usage (10, 11)", usediscStream,
			"\t\tw.Environments = r.polled.get()\n", ""),
		replace("usedisc-polled-set-not-updated",
			"grouped by environment, the polled set follows every listing, not the first (10, 11)", usediscDiscovery,
			"\t\t\t\tpolled.set(discoveredEnvironments(envs))\n", ""),
		replace("usedisc-read-before-first-listing",
			"nothing of a discovered app is read before its first listing (10, 11)", usediscReceiver,
			"\t\tif app.Discovers() {\n", "\t\tif false {\n"),
		replace("usedisc-empty-listing-reads",
			"an app whose listing has no environment reads nothing: no window is passed with its usage dropped (10, 11)", usediscDiscovery,
			"\t\t\t\tif len(envs) == 0 {\n", "\t\t\t\tif false {\n"),
		replace("usedisc-entry-not-validated",
			"environments: [] and unknown environment_types are refused naming the key (3, 11)", "internal/appconfig/apps.go",
			"discovery.ValidateEntry(where, app.Discovers(), len(app.Environments), app.EnvironmentTypes, entries[id])",
			"discovery.ValidateEntry(where, true, 0, nil, 1)"),
		replace("usedisc-discovery-interval-unchecked",
			"discovery_interval is at least 1s (3, 11)", usediscConfig,
			"\tif p.DiscoveryInterval < MinInterval {\n", "\tif false {\n"),
	)
}
