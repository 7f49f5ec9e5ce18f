package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"time"

	"go.uber.org/zap"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
)

// OpenReread implements window.Rereader: the window [state.Reread.Start, state.Reread.End) read a
// second time, handing over the records that no reading delivered before: those the API served
// after the window's first reading. The walk commits after each page, so a restart reads the
// window again from its start and skips what was delivered; it moves the second reading on once
// the window is read.
func (s *source) OpenReread(state checkpoint.State) window.Reader[plog.Logs] {
	q := s.spec.query
	q.Start, q.End = state.Reread.Start, state.Reread.End
	return &pageReader{source: s, reading: newLateFilter(state), query: q,
		fields: []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End), zap.Bool("second_reading", true)}}
}

// foundLate counts records found by the second reading and says so once per stream: the API
// served them later than the window's first reading.
func (s *source) foundLate(ctx context.Context, found []logsapi.RecordKey, at time.Time, fields []zap.Field) {
	for _, k := range found {
		s.tel.late(ctx, at.Sub(time.Unix(0, int64(k.Timestamp))))
	}
	if !s.toldLate {
		s.toldLate = true
		s.logger.Info("API served records after their window was first read; delivered by the second reading (see forgelogs_late_records, and late_arrival in the README)",
			append(fields, zap.Int("records", len(found)))...)
	}
}

// lateFilter lets through the records of a second reading that no reading delivered before.
type lateFilter struct {
	state      checkpoint.State
	start, end uint64
	done       map[uint64]struct{}
	accepted   []logsapi.RecordKey
}

func newLateFilter(state checkpoint.State) *lateFilter {
	f := &lateFilter{
		state: state,
		start: uint64(state.Reread.Start.UnixNano()),
		end:   uint64(state.Reread.End.UnixNano()),
		done:  make(map[uint64]struct{}, len(state.Reread.Delivered)),
	}
	for _, d := range state.Reread.Delivered {
		f.done[d.Fingerprint] = struct{}{}
	}
	return f
}

func (f *lateFilter) startPage() { f.accepted = f.accepted[:0] }

// stretch keeps a second reading's window: it was fixed when it fell due.
func (*lateFilter) stretch(*logsapi.Query, time.Time) {}

// accept takes a record of the window (the API's end bound is inclusive: what lies on it belongs
// to the next window) that was not delivered before.
func (f *lateFilter) accept(k logsapi.RecordKey) bool {
	if k.Timestamp < f.start || k.Timestamp >= f.end {
		return false
	}
	if _, done := f.done[k.Fingerprint]; done {
		return false
	}
	f.accepted = append(f.accepted, k)
	return true
}

// delivered records the page's records as delivered, once the pipeline took them, and returns them.
func (f *lateFilter) delivered(logsapi.Page) []logsapi.RecordKey {
	found := f.accepted
	for _, k := range found {
		f.done[k.Fingerprint] = struct{}{}
	}
	f.state.Reread.Delivered = appendDelivered(f.state.Reread.Delivered, f.state.Reread.Start, found)
	f.accepted = nil
	return found
}

func (f *lateFilter) progress() checkpoint.State { return f.state }
func (f *lateFilter) final() checkpoint.State    { return f.state }

// appendDelivered adds the records at or after since to delivered.
func appendDelivered(delivered []checkpoint.Delivered, since time.Time, keys []logsapi.RecordKey) []checkpoint.Delivered {
	from := uint64(since.UnixNano())
	for _, k := range keys {
		if k.Timestamp >= from {
			delivered = append(delivered, checkpoint.Delivered{At: int64(k.Timestamp), Fingerprint: k.Fingerprint})
		}
	}
	return delivered
}
