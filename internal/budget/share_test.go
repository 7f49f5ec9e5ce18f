package budget

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestShare(t *testing.T) {
	for _, tc := range []struct {
		perMinute, callers, reserve int
		want                        time.Duration
	}{
		// 60 s / 29 = 2.069 s, plus the spacing's 2% of slack.
		{30, 1, 1, 2110344827},
		// Three streams each keep one request a minute for the second reading: 27 left, 2.222 s
		// apart plus 2%, so each stream polls every 6.8 s (less the nanoseconds integer division drops).
		{30, 3, 1, 6799999998},
		// Ten streams: 20 left, 3 s apart plus 2%, 30.6 s each.
		{30, 10, 1, 30600000000},
		// Twenty streams would reserve 20 of 30: half the budget still goes to the shares.
		{30, 20, 1, 20 * spacing(15)},
		{30, 3, 0, 3 * spacing(30)},
		{1, 5, 1, 5 * spacing(1)},
	} {
		assert.Equal(t, tc.want, Share(tc.perMinute, tc.callers, tc.reserve), "%+v", tc)
	}
}
