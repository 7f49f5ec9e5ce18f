package poller

import (
	"context"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receiverhelper"

	"github.com/forgelogs/otelcol-forge/internal/window"
)

// LogsSink hands logs to next, reported by the runtime's ObsReport as format.
func (r *Runtime) LogsSink(next consumer.Logs, format string) window.Sink[plog.Logs] {
	return logsSink{next: next, obs: r.ObsReport, format: format}
}

// MetricsSink hands metrics to next, reported by the runtime's ObsReport as format.
func (r *Runtime) MetricsSink(next consumer.Metrics, format string) window.Sink[pmetric.Metrics] {
	return metricsSink{next: next, obs: r.ObsReport, format: format}
}

type logsSink struct {
	next   consumer.Logs
	obs    *receiverhelper.ObsReport
	format string
}

func (logsSink) Unit() string { return "records" }

func (s logsSink) Consume(ctx context.Context, logs plog.Logs) error {
	// Counted before: the pipeline may change the data or take it over.
	count := logs.LogRecordCount()
	opCtx := s.obs.StartLogsOp(ctx)
	err := s.next.ConsumeLogs(opCtx, logs)
	s.obs.EndLogsOp(opCtx, s.format, count, err)
	return err
}

type metricsSink struct {
	next   consumer.Metrics
	obs    *receiverhelper.ObsReport
	format string
}

func (metricsSink) Unit() string { return "points" }

func (s metricsSink) Consume(ctx context.Context, metrics pmetric.Metrics) error {
	count := metrics.DataPointCount()
	opCtx := s.obs.StartMetricsOp(ctx)
	err := s.next.ConsumeMetrics(opCtx, metrics)
	s.obs.EndMetricsOp(opCtx, s.format, count, err)
	return err
}
