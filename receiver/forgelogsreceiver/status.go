package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// streamStatus folds the health of every stream into the component's status: a recoverable error
// while any stream is refused by the API, OK again once all of them recover.
type streamStatus struct {
	host component.Host

	mu      sync.Mutex
	failing map[string]error
}

func newStreamStatus(host component.Host) *streamStatus {
	return &streamStatus{host: host, failing: map[string]error{}}
}

// refused records that stream cannot read because the API refuses it.
func (s *streamStatus) refused(stream string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing[stream] = err
	componentstatus.ReportStatus(s.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("stream %s: %w", stream, err)))
}

// recovered records that stream reads again.
func (s *streamStatus) recovered(stream string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.failing[stream]; !ok {
		return
	}
	delete(s.failing, stream)
	if len(s.failing) == 0 {
		componentstatus.ReportStatus(s.host, componentstatus.NewEvent(componentstatus.StatusOK))
		return
	}
	for other, err := range s.failing {
		componentstatus.ReportStatus(s.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("stream %s: %w", other, err)))
		return
	}
}

// stopped records that stream gave up for a reason a restart must follow, such as unreadable storage.
func (s *streamStatus) stopped(stream string, err error) {
	componentstatus.ReportStatus(s.host, componentstatus.NewPermanentErrorEvent(fmt.Errorf("stream %s stopped: %w", stream, err)))
}
