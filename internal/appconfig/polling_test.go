package appconfig

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPollingValidatesItsBoundaries(t *testing.T) {
	valid := Polling{CollectionInterval: time.Second, Delay: time.Second, InitialLookback: 14 * 24 * time.Hour, RequestsPerMinute: 5, DiscoveryInterval: time.Second}
	assert.Empty(t, valid.Validate("https://api.atlassian.com"), "every bound itself is accepted")

	for _, tc := range []struct {
		name     string
		change   func(*Polling)
		endpoint string
		want     error
	}{
		{"collection_interval under a second", func(p *Polling) { p.CollectionInterval = 999 * time.Millisecond }, "", ErrCollectionInterval},
		{"delay under a second", func(p *Polling) { p.Delay = 0 }, "", ErrDelay},
		{"no initial_lookback", func(p *Polling) { p.InitialLookback = 0 }, "", ErrInitialLookback},
		{"initial_lookback past 14 days", func(p *Polling) { p.InitialLookback = 14*24*time.Hour + time.Minute }, "", ErrInitialLookback},
		{"no requests", func(p *Polling) { p.RequestsPerMinute = 0 }, "", ErrRequestsPerMinute},
		{"more than the API's limit", func(p *Polling) { p.RequestsPerMinute = 6 }, "https://api.atlassian.com", ErrRequestsPerMinute},
		{"discovery_interval under a second", func(p *Polling) { p.DiscoveryInterval = 0 }, "", ErrDiscoveryInterval},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid
			tc.change(&p)
			errs := p.Validate(tc.endpoint)
			if assert.Len(t, errs, 1) {
				assert.True(t, errors.Is(errs[0], tc.want), "%v", errs[0])
			}
		})
	}

	lifted := valid
	lifted.RequestsPerMinute = 600
	assert.Empty(t, lifted.Validate("http://127.0.0.1:8080"), "a loopback endpoint (the simulator) may go past the API's limit")
}
