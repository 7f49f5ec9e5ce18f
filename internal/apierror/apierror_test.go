package apierror

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 2, 13, 9, 0, 0, 0, time.UTC)
	assert.Equal(t, 30*time.Second, ParseRetryAfter("30", now))
	assert.Equal(t, 1500*time.Millisecond, ParseRetryAfter("1.5", now))
	assert.Equal(t, 90*time.Second, ParseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now))
	assert.Zero(t, ParseRetryAfter(now.Add(-time.Minute).Format(http.TimeFormat), now))
	assert.Zero(t, ParseRetryAfter("", now))
	assert.Zero(t, ParseRetryAfter("soon", now))
	assert.Zero(t, ParseRetryAfter("-3", now))
}
