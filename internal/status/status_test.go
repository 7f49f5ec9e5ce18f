package status

import (
	"errors"
	"testing"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component/componentstatus"
)

func TestStatusIsOKOnlyWhenNoStreamIsRefused(t *testing.T) {
	host := statustest.NewHost()
	s := New(host)
	unauthorized := errors.New("401 Unauthorized")
	forbidden := errors.New("403 Forbidden")

	s.Refused("a", unauthorized)
	assert.Equal(t, componentstatus.StatusRecoverableError, last(host).Status())
	s.Refused("b", forbidden)
	s.Recovered("a")
	assert.Equal(t, componentstatus.StatusRecoverableError, last(host).Status(), "b is still refused")
	assert.ErrorIs(t, last(host).Err(), forbidden)
	assert.Contains(t, last(host).Err().Error(), "stream b")

	s.Recovered("a") // not failing: nothing to say
	events := len(host.Events())
	s.Recovered("b")
	assert.Equal(t, componentstatus.StatusOK, last(host).Status())
	assert.Len(t, host.Events(), events+1)
}

func TestRecoveredWithoutRefusalReportsNothing(t *testing.T) {
	host := statustest.NewHost()
	New(host).Recovered("a")
	assert.Empty(t, host.Events())
}

func TestStoppedIsPermanent(t *testing.T) {
	host := statustest.NewHost()
	New(host).Stopped("a", errors.New("storage unreadable"))
	assert.Equal(t, componentstatus.StatusPermanentError, last(host).Status())
}

func last(h *statustest.Host) *componentstatus.Event {
	events := h.Events()
	return events[len(events)-1]
}
