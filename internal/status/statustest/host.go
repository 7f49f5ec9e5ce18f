// Package statustest records the component status a receiver reports, for tests.
package statustest // import "github.com/forgelogs/otelcol-forge/internal/status/statustest"

import (
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

// Host is a component host that keeps every status event reported to it.
type Host struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

// NewHost returns a host without extensions.
func NewHost() *Host { return &Host{Host: componenttest.NewNopHost()} }

// Report implements componentstatus.Reporter.
func (h *Host) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

// Events returns the events reported so far.
func (h *Host) Events() []*componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*componentstatus.Event(nil), h.events...)
}

// Statuses returns the statuses reported so far, in order.
func (h *Host) Statuses() []componentstatus.Status {
	var out []componentstatus.Status
	for _, ev := range h.Events() {
		out = append(out, ev.Status())
	}
	return out
}
