package checkpoint

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixtures under testdata/ were written by the version-1 encoder before any field was added
// to it: checkpoints that collectors in the field hold. Every later version must read them as
// they were meant.
func TestVersion1CheckpointsStillLoad(t *testing.T) {
	for _, tc := range []struct {
		file string
		want State
	}{
		{
			file: "testdata/v1_in_window.json",
			want: State{
				WindowStart:     time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC),
				WindowEnd:       time.Date(2026, 12, 6, 10, 0, 42, 123000000, time.UTC),
				Offset:          1500,
				LastFingerprint: 0x1f2e3d4c5b6a7988,
				QueryHash:       0xa1b2c3d4e5f60718,
				Boundary:        []uint64{3, 0xfedcba9876543210},
			},
		},
		{
			file: "testdata/v1_between_windows.json",
			want: State{WindowStart: time.Date(2026, 12, 6, 10, 0, 42, 123000000, time.UTC), Boundary: []uint64{11}},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(tc.file)
			require.NoError(t, err)
			got, err := Unmarshal(data)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
