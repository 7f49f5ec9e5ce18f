package retry

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
	"github.com/forgelogs/otelcol-forge/internal/backoff"
)

func ceiling(d time.Duration) time.Duration { return d }

func TestClassify(t *testing.T) {
	status := func(code int) error { return &apierror.StatusError{StatusCode: code} }
	tests := []struct {
		name string
		err  error
		want []Decision // for the same error repeated
	}{
		{"429 with Retry-After", &apierror.StatusError{StatusCode: 429, RetryAfter: 45 * time.Second},
			[]Decision{{Throttled, 45 * time.Second}, {Throttled, 45 * time.Second}}},
		{"429 without Retry-After backs off", status(429),
			[]Decision{{Throttled, time.Second}, {Throttled, 2 * time.Second}, {Throttled, 4 * time.Second}}},
		{"500", status(500), []Decision{{Transient, time.Second}, {Transient, 2 * time.Second}}},
		{"503", status(503), []Decision{{Transient, time.Second}}},
		{"timeout", fmt.Errorf("get: %w", errors.New("context deadline exceeded")), []Decision{{Transient, time.Second}}},
		{"bad body", &apierror.BadBodyError{Err: errors.New("truncated")}, []Decision{{Transient, time.Second}}},
		{"401", status(401), []Decision{{Refused, 2 * time.Minute}, {Refused, 4 * time.Minute}, {Refused, 5 * time.Minute}, {Refused, 5 * time.Minute}}},
		{"403", status(403), []Decision{{Refused, 2 * time.Minute}}},
		{"404", status(404), []Decision{{Refused, 2 * time.Minute}}},
		{"400", status(400), []Decision{{Refused, 2 * time.Minute}}},
		{"another 4xx repeats as well", status(422), []Decision{{Refused, 2 * time.Minute}}},
		{"408 is a timeout", status(408), []Decision{{Transient, time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClassifier(backoff.Transient, backoff.Refused, ceiling)
			var got []Decision
			for range tt.want {
				got = append(got, c.classify(tt.err))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestStatusCode(t *testing.T) {
	assert.Equal(t, http.StatusOK, apierror.StatusCode(nil))
	assert.Equal(t, http.StatusOK, apierror.StatusCode(&apierror.BadBodyError{Err: errors.New("x")}))
	assert.Equal(t, 503, apierror.StatusCode(fmt.Errorf("w: %w", &apierror.StatusError{StatusCode: 503})))
	assert.Equal(t, 0, apierror.StatusCode(errors.New("connection reset")))
}
