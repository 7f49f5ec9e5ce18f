package checkpoint

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rereading() State {
	s := State{WindowStart: time.Date(2024, 2, 13, 10, 0, 0, 0, time.UTC)}
	s.Reread = Reread{
		Start: time.Date(2024, 2, 13, 9, 49, 0, 0, time.UTC),
		End:   time.Date(2024, 2, 13, 9, 50, 0, 0, time.UTC),
		Delivered: []Delivered{
			{At: time.Date(2024, 2, 13, 9, 49, 30, 0, time.UTC).UnixNano(), Fingerprint: 5},
			{At: time.Date(2024, 2, 13, 9, 49, 0, 0, time.UTC).UnixNano(), Fingerprint: 1 << 63},
		},
	}
	return s
}

func TestRereadRoundTrip(t *testing.T) {
	for _, state := range []State{rereading(), {WindowStart: rereading().WindowStart, Reread: Reread{Start: rereading().Reread.Start}}} {
		data, err := Marshal(state)
		require.NoError(t, err)
		got, err := Unmarshal(data)
		require.NoError(t, err)
		assert.Equal(t, state, got)
	}
}

// The second reading's fields are a data format too: pin them. delivered is base64 of
// little-endian (timestamp, fingerprint) pairs, checked by hand with Python's struct.pack("<qQ").
func TestRereadEncodingIsStable(t *testing.T) {
	data, err := Marshal(rereading())
	require.NoError(t, err)
	assert.Equal(t, `{"v":1,"start_ns":1707818400000000000,"reread_start_ns":1707817740000000000,"reread_end_ns":1707817800000000000,"delivered":"ACTzoTZjsxcFAAAAAAAAAAB4z6UvY7MXAAAAAAAAAIA="}`, string(data))
}

func TestUnmarshalRefusesAnInconsistentSecondReading(t *testing.T) {
	for _, data := range []string{
		`{"v":1,"start_ns":100,"reread_end_ns":5}`,
		`{"v":1,"start_ns":100,"delivered":"AAAAAAAAAAAAAAAAAAAAAA=="}`,
		`{"v":1,"start_ns":100,"reread_start_ns":50,"reread_end_ns":40}`,
		`{"v":1,"start_ns":100,"reread_start_ns":50,"delivered":"AAAA"}`,
	} {
		_, err := Unmarshal([]byte(data))
		assert.ErrorIs(t, err, ErrCorrupt, data)
	}
}

func TestRereadMoveToForgetsOnlyWhatLiesBefore(t *testing.T) {
	r := rereading().Reread
	r.MoveTo(time.Date(2024, 2, 13, 9, 49, 0, 1, time.UTC))
	assert.Equal(t, []Delivered{{At: time.Date(2024, 2, 13, 9, 49, 30, 0, time.UTC).UnixNano(), Fingerprint: 5}}, r.Delivered)
	r.MoveTo(time.Date(2024, 2, 13, 9, 0, 0, 0, time.UTC))
	assert.Equal(t, time.Date(2024, 2, 13, 9, 49, 0, 1, time.UTC), r.Start, "never backwards")
	assert.Len(t, r.Delivered, 1)
}

func TestMemoryStoreKeepsNoAliasOfDelivered(t *testing.T) {
	store := NewMemoryStore()
	state := rereading()
	require.NoError(t, store.Save(context.Background(), "k", state))
	state.Reread.Delivered[0].Fingerprint = 99
	got, _, err := store.Load(context.Background(), "k")
	require.NoError(t, err)
	assert.Equal(t, uint64(5), got.Reread.Delivered[0].Fingerprint)
}
