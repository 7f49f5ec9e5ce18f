package receiverharness

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
)

// StorageHost returns a host with a file-backed storage extension in a folder of the test, and
// the ID a configuration's storage key names it by. Receivers started on the same host find the
// checkpoints of the ones before them, as after a restart of the collector.
func StorageHost(t testing.TB) (component.Host, *component.ID) {
	t.Helper()
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	id := storagetest.NewStorageID("forge")
	return host, &id
}

// SaveCheckpoints writes states, by key, to the storage extension storageID of host, as a
// receiver named id would have written them before it stopped (or crashed).
func SaveCheckpoints(t testing.TB, host component.Host, storageID *component.ID, id component.ID, states map[string]checkpoint.State) {
	t.Helper()
	ctx := context.Background()
	store, client, err := checkpoint.Open(ctx, host, storageID, id, zap.NewNop())
	require.NoError(t, err)
	for key, state := range states {
		require.NoError(t, store.Save(ctx, key, state))
	}
	require.NoError(t, client.Close(ctx))
}
