// Package selfmetrics records the self-metrics every stream has, on the instruments a receiver
// declares in its metadata.yaml under its own prefix (mdatagen generates them): requests, rate
// limit wait, checkpoint lag, skipped span, items received and dropped.
package selfmetrics // import "github.com/forgelogs/otelcol-forge/internal/selfmetrics"

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Instruments are a receiver's instruments of the metrics every stream has.
type Instruments struct {
	Requests      metric.Int64Counter
	RateLimitWait metric.Float64Counter
	Lag           metric.Float64Gauge
	Skipped       metric.Float64Counter
	Received      metric.Int64Counter
	Dropped       metric.Int64Counter
}

// Stream records one stream's self-metrics. It implements window.Observer and retry.Observer.
type Stream struct {
	in Instruments
	// calls label what belongs to the budget the stream draws from (requests, rate limit wait),
	// stream what belongs to the stream.
	calls, stream []attribute.KeyValue
	callSet       metric.MeasurementOption
	streamSet     metric.MeasurementOption
}

// New returns the self-metrics of a stream labelled stream, whose requests are labelled calls.
func New(in Instruments, calls, stream []attribute.KeyValue) *Stream {
	return &Stream{
		in: in, calls: calls, stream: stream,
		callSet: metric.WithAttributes(calls...), streamSet: metric.WithAttributes(stream...),
	}
}

// Start begins the stream's counters at zero, so that dashboards and alerts see every series
// from the start rather than only after the first drop or skip; reasons are the drop reasons.
func (s *Stream) Start(ctx context.Context, reasons ...string) {
	for _, reason := range reasons {
		s.Dropped(ctx, reason, 0)
	}
	s.in.Skipped.Add(ctx, 0, s.streamSet)
	s.in.Received.Add(ctx, 0, s.streamSet)
}

// Attributes returns the stream's attributes and kv, for a receiver's own per-stream metrics.
func (s *Stream) Attributes(kv ...attribute.KeyValue) metric.MeasurementOption {
	if len(kv) == 0 {
		return s.streamSet
	}
	return metric.WithAttributes(append(s.stream[:len(s.stream):len(s.stream)], kv...)...)
}

// Requests implements retry.Observer.
func (s *Stream) Requests(ctx context.Context, status, n int) {
	s.in.Requests.Add(ctx, int64(n), metric.WithAttributes(
		append(s.calls[:len(s.calls):len(s.calls)], attribute.Int("status_code", status))...))
}

// RateLimitWait implements retry.Observer.
func (s *Stream) RateLimitWait(ctx context.Context, d time.Duration) {
	s.in.RateLimitWait.Add(ctx, d.Seconds(), s.callSet)
}

// Lag implements window.Observer.
func (s *Stream) Lag(ctx context.Context, lag time.Duration) {
	s.in.Lag.Record(ctx, lag.Seconds(), s.streamSet)
}

// Skipped implements window.Observer.
func (s *Stream) Skipped(ctx context.Context, span time.Duration) {
	s.in.Skipped.Add(ctx, span.Seconds(), s.streamSet)
}

// Received implements window.Observer.
func (s *Stream) Received(ctx context.Context, n int) {
	s.in.Received.Add(ctx, int64(n), s.streamSet)
}

// Dropped implements window.Observer.
func (s *Stream) Dropped(ctx context.Context, reason string, n int) {
	s.in.Dropped.Add(ctx, int64(n), s.Attributes(attribute.String("reason", reason)))
}
