package forgelogsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStreamSpecsShardSites(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", 30)
	specs := streamSpecs(cfg)
	var keys []string
	for _, s := range specs {
		keys = append(keys, s.key)
	}
	assert.Equal(t, []string{"stream/app-1/env-1/0", "stream/app-1/env-2/0", "stream/app-2/env-3/0", "stream/app-2/env-3/1"}, keys)
	assert.Len(t, specs[2].query.InstallationContexts, 50)
	assert.Len(t, specs[3].query.InstallationContexts, 10)
	assert.Equal(t, "second-app", specs[2].resource.ServiceName)
	assert.Equal(t, "production", specs[0].resource.EnvironmentName)
	assert.NotEqual(t, specs[2].queryHash, specs[3].queryHash)

	// Reordering the same sites changes neither shards nor checkpoints.
	reordered := testConfig("http://127.0.0.1:1", 30)
	for i, j := 0, len(reordered.Apps[1].InstallationContexts)-1; i < j; i, j = i+1, j-1 {
		sites := reordered.Apps[1].InstallationContexts
		sites[i], sites[j] = sites[j], sites[i]
	}
	assert.Equal(t, specs, streamSpecs(reordered))
}

// app_id may be the app's ARI, as forgemetrics accepts: the API's path, the checkpoint, the
// budget and forge.app.id all take the bare id, so either spelling is the same app.
func TestStreamSpecsTakeTheBareIDOfAnARI(t *testing.T) {
	cfg := testConfig("http://127.0.0.1:1", 30)
	cfg.Apps = []AppConfig{{AppID: "ari:cloud:ecosystem::app/app-1", Environments: []EnvironmentConfig{{ID: "env-1"}}}}
	specs := streamSpecs(cfg)
	assert.Len(t, specs, 1)
	assert.Equal(t, "stream/app-1/env-1/0", specs[0].key)
	assert.Equal(t, "app-1", specs[0].query.AppID)
	assert.Equal(t, "app-1", specs[0].resource.AppID)
	assert.Equal(t, "app-1", specs[0].resource.ServiceName)
}
