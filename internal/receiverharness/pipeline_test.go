package receiverharness

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// A pipeline keeps what each call was handed as it was handed, whatever the script then did to
// it, and accepts only what the script does not refuse.
func TestPipelineKeepsWhatItWasHandedAndWhatItAccepted(t *testing.T) {
	refused := errors.New("queue full")
	var calls []int
	p := NewPipeline(func(call int, md pmetric.Metrics) error {
		md.ResourceMetrics().At(0).Resource().Attributes().PutStr("changed", "by a processor")
		if call == 0 {
			return refused
		}
		return nil
	}, func(_ context.Context, call int) { calls = append(calls, call) })
	assert.False(t, p.Capabilities().MutatesData)

	for range 2 {
		md := twoResources()
		err := p.ConsumeMetrics(context.Background(), md)
		if len(calls) == 1 {
			require.ErrorIs(t, err, refused)
		} else {
			require.NoError(t, err)
		}
	}
	assert.Equal(t, []int{0, 1}, calls)
	handed := p.Handed()
	require.Len(t, handed, 2)
	for _, md := range handed {
		assert.Equal(t, twoResources(), md, "as handed, before the script changed it")
	}
	require.Len(t, p.Accepted(), 1)
	changed, _ := p.Accepted()[0].ResourceMetrics().At(0).Resource().Attributes().Get("changed")
	assert.Equal(t, "by a processor", changed.Str(), "what the pipeline accepted, as it accepted it")
	assert.Equal(t, 4, p.AcceptedPoints())
}

func TestRefuseTheFirstForGood(t *testing.T) {
	err := RefuseTheFirstForGood(0, pmetric.NewMetrics())
	assert.True(t, consumererror.IsPermanent(err))
	assert.Equal(t, "Permanent error: cannot be exported", err.Error())
	assert.NoError(t, RefuseTheFirstForGood(1, pmetric.NewMetrics()))
}
