// Package status folds the health of a receiver's streams into its component status.
package status // import "github.com/forgelogs/otelcol-forge/internal/status"

import (
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// Streams reports a recoverable error while any stream is refused by the API, and OK once all
// of them read again.
type Streams struct {
	host component.Host

	mu      sync.Mutex
	failing map[string]error
	order   []string
}

// New returns the status of a receiver started on host.
func New(host component.Host) *Streams {
	return &Streams{host: host, failing: map[string]error{}}
}

// Refused records that stream cannot read because the API refuses it.
func (s *Streams) Refused(stream string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.failing[stream]; !ok {
		s.order = append(s.order, stream)
	}
	s.failing[stream] = err
	componentstatus.ReportStatus(s.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("stream %s: %w", stream, err)))
}

// Recovered records that stream reads again. The component is OK only when no stream is refused.
func (s *Streams) Recovered(stream string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.failing[stream]; !ok {
		return
	}
	delete(s.failing, stream)
	for i, key := range s.order {
		if key == stream {
			s.order = append(s.order[:i], s.order[i+1:]...)
			break
		}
	}
	if len(s.order) == 0 {
		componentstatus.ReportStatus(s.host, componentstatus.NewEvent(componentstatus.StatusOK))
		return
	}
	// Still unhealthy: report the longest-failing stream that is still refused.
	other := s.order[0]
	componentstatus.ReportStatus(s.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("stream %s: %w", other, s.failing[other])))
}

// Stopped records that stream gave up for a reason a restart must follow, such as unreadable storage.
func (s *Streams) Stopped(stream string, err error) {
	componentstatus.ReportStatus(s.host, componentstatus.NewPermanentErrorEvent(fmt.Errorf("stream %s stopped: %w", stream, err)))
}
