package receiverharness

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// Pipeline is a metrics pipeline (a consumer.Metrics) whose answer to each call is scripted: it
// keeps a copy of what every call was handed and, apart, what it accepted.
type Pipeline struct {
	// answer returns the error of call (0 for the first), or nil to accept md; it may change md,
	// as a processor before a refusing exporter does.
	answer func(call int, md pmetric.Metrics) error
	// onCall, when set, runs at each call before answer, to see the receiver's state then.
	onCall func(ctx context.Context, call int)

	mu       sync.Mutex
	handed   []pmetric.Metrics
	accepted consumertest.MetricsSink
}

// NewPipeline returns a pipeline that answers with answer; onCall may be nil.
func NewPipeline(answer func(call int, md pmetric.Metrics) error, onCall func(ctx context.Context, call int)) *Pipeline {
	return &Pipeline{answer: answer, onCall: onCall}
}

// Capabilities says that the pipeline does not change the data it is handed; the script may, as
// a pipeline is allowed to once it owns the data.
func (p *Pipeline) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// ConsumeMetrics answers one call.
func (p *Pipeline) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	seen := pmetric.NewMetrics()
	md.CopyTo(seen)
	p.mu.Lock()
	call := len(p.handed)
	p.handed = append(p.handed, seen)
	p.mu.Unlock()
	if p.onCall != nil {
		p.onCall(ctx, call)
	}
	if err := p.answer(call, md); err != nil {
		return err
	}
	return p.accepted.ConsumeMetrics(ctx, md)
}

// Handed returns a copy of what each call was handed, as it was handed, in order.
func (p *Pipeline) Handed() []pmetric.Metrics {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]pmetric.Metrics(nil), p.handed...)
}

// Accepted returns what the pipeline accepted, in order.
func (p *Pipeline) Accepted() []pmetric.Metrics { return p.accepted.AllMetrics() }

// AcceptedPoints returns how many data points the pipeline accepted.
func (p *Pipeline) AcceptedPoints() int { return p.accepted.DataPointCount() }

// RefuseTheFirstForGood is a script that refuses the first call with a permanent error, as an
// exporter refuses data it can never export, and accepts every other.
func RefuseTheFirstForGood(call int, _ pmetric.Metrics) error {
	if call == 0 {
		return consumererror.NewPermanent(errors.New("cannot be exported"))
	}
	return nil
}
