package status

import (
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
)

type recordingHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *recordingHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, ev)
}

func (h *recordingHost) last() *componentstatus.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.events[len(h.events)-1]
}

func TestStatusIsOKOnlyWhenNoStreamIsRefused(t *testing.T) {
	host := &recordingHost{Host: componenttest.NewNopHost()}
	s := New(host)
	unauthorized := errors.New("401 Unauthorized")
	forbidden := errors.New("403 Forbidden")

	s.Refused("a", unauthorized)
	assert.Equal(t, componentstatus.StatusRecoverableError, host.last().Status())
	s.Refused("b", forbidden)
	s.Recovered("a")
	assert.Equal(t, componentstatus.StatusRecoverableError, host.last().Status(), "b is still refused")
	assert.ErrorIs(t, host.last().Err(), forbidden)
	assert.Contains(t, host.last().Err().Error(), "stream b")

	s.Recovered("a") // not failing: nothing to say
	events := len(host.events)
	s.Recovered("b")
	assert.Equal(t, componentstatus.StatusOK, host.last().Status())
	assert.Len(t, host.events, events+1)
}

func TestRecoveredWithoutRefusalReportsNothing(t *testing.T) {
	host := &recordingHost{Host: componenttest.NewNopHost()}
	New(host).Recovered("a")
	assert.Empty(t, host.events)
}

func TestStoppedIsPermanent(t *testing.T) {
	host := &recordingHost{Host: componenttest.NewNopHost()}
	New(host).Stopped("a", errors.New("storage unreadable"))
	assert.Equal(t, componentstatus.StatusPermanentError, host.last().Status())
}
