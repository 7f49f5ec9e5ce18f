package checkpoint

import (
	"context"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// An empty stored value is not "no checkpoint": something wrote the key (a truncated write, an
// operator's edit), and starting again at initial_lookback would lose or repeat data without a
// word. Only a missing key is "not found".
func TestStorageStoreEmptyValueIsAnError(t *testing.T) {
	ctx := context.Background()
	client := newClient()
	require.NoError(t, client.Set(ctx, "k", []byte{}))
	_, found, err := NewStorageStore(client).Load(ctx, "k")
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.False(t, found)
}

// The same through a file-backed storage extension (storagetest's), which may hand back an empty
// value in its own way: the stream still sees an error, not "not found".
func TestFileStorageEmptyValueIsAnError(t *testing.T) {
	ctx := context.Background()
	host := storagetest.NewStorageHost().WithFileBackedStorageExtension("forge", t.TempDir())
	ext := host.GetExtensions()[storagetest.NewStorageID("forge")].(storage.Extension)
	client, err := ext.GetClient(ctx, component.KindReceiver, component.MustNewID("forgelogs"), "")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, client.Close(ctx)) })
	require.NoError(t, client.Set(ctx, "k", []byte{}))
	_, found, err := NewStorageStore(client).Load(ctx, "k")
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.False(t, found)
}
