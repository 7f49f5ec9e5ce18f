package checkpoint

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// inProgress returns a fresh state inside a window; each test gets its own slices.
func inProgress() State {
	return State{
		WindowStart:     time.Date(2024, 2, 13, 9, 0, 0, 0, time.UTC),
		WindowEnd:       time.Date(2024, 2, 13, 10, 0, 0, 0, time.UTC),
		Offset:          1500,
		LastFingerprint: 0xdeadbeefcafe,
		QueryHash:       42,
		Boundary:        []uint64{7, 9},
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	for _, state := range []State{inProgress(), {WindowStart: inProgress().WindowEnd}} {
		data, err := Marshal(state)
		require.NoError(t, err)
		got, err := Unmarshal(data)
		require.NoError(t, err)
		assert.Equal(t, state, got)
	}
}

// The encoding is a data format that later versions must read: pin it.
func TestEncodingIsStable(t *testing.T) {
	data, err := Marshal(inProgress())
	require.NoError(t, err)
	assert.Equal(t, `{"v":1,"start_ns":1707814800000000000,"end_ns":1707818400000000000,"offset":1500,"last_fp":244837814094590,"query":42,"boundary":[7,9]}`, string(data))
}

func TestUnmarshalRefusesCorruptData(t *testing.T) {
	for _, data := range []string{
		``, `{`, `null`, `[]`, `{"v":2,"start_ns":1}`, `{"v":1}`, `{"v":1,"start_ns":-5}`,
		`{"v":1,"start_ns":100,"offset":3}`, `{"v":1,"start_ns":100,"end_ns":50,"offset":3}`, `{"v":1,"start_ns":100,"offset":-1}`,
	} {
		_, err := Unmarshal([]byte(data))
		assert.ErrorIs(t, err, ErrCorrupt, data)
	}
}

func newClient() storage.Client {
	return storagetest.NewInMemoryClient(component.KindReceiver, component.MustNewID("forgelogs"), "")
}

func TestStorageStore(t *testing.T) {
	ctx := context.Background()
	store := NewStorageStore(newClient())

	_, found, err := store.Load(ctx, "stream/a/e/0")
	require.NoError(t, err)
	assert.False(t, found)

	require.NoError(t, store.Save(ctx, "stream/a/e/0", inProgress()))
	require.NoError(t, store.Save(ctx, "stream/a/e/1", State{WindowStart: inProgress().WindowEnd}))
	got, found, err := store.Load(ctx, "stream/a/e/0")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, inProgress(), got)
}

func TestStorageStoreCorruptValueIsAnError(t *testing.T) {
	ctx := context.Background()
	client := newClient()
	require.NoError(t, client.Set(ctx, "k", []byte("garbage")))
	_, found, err := NewStorageStore(client).Load(ctx, "k")
	assert.ErrorIs(t, err, ErrCorrupt)
	assert.False(t, found)
}

type failingClient struct {
	storage.Client
	err error
}

func (f failingClient) Get(context.Context, string) ([]byte, error) { return nil, f.err }
func (f failingClient) Set(context.Context, string, []byte) error   { return f.err }

func TestStorageStoreReadErrorIsNotNotFound(t *testing.T) {
	broken := errors.New("disk on fire")
	store := NewStorageStore(failingClient{Client: newClient(), err: broken})
	_, found, err := store.Load(context.Background(), "k")
	assert.ErrorIs(t, err, broken)
	assert.False(t, found)
	assert.ErrorIs(t, store.Save(context.Background(), "k", inProgress()), broken)
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	_, found, err := store.Load(ctx, "k")
	require.NoError(t, err)
	assert.False(t, found)
	state := inProgress()
	require.NoError(t, store.Save(ctx, "k", state))
	state.Boundary[0] = 99 // the store keeps its own copy
	got, found, err := store.Load(ctx, "k")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, uint64(7), got.Boundary[0])
}

func BenchmarkSaveLoad(b *testing.B) {
	ctx := context.Background()
	store := NewStorageStore(newClient())
	for b.Loop() {
		_ = store.Save(ctx, "k", inProgress())
		_, _, _ = store.Load(ctx, "k")
	}
}
