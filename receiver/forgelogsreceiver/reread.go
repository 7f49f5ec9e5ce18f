package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
)

// rereadWindow reads the window [state.Reread.Start, state.Reread.End) a second time and hands
// over the records that no reading delivered before: those the API served after the window's
// first reading. It commits after each page, so a restart reads the window again from its start
// and skips what was delivered; the walk moves the second reading on once it returns.
func (s *stream) rereadWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	q := s.spec.query
	q.Start, q.End = state.Reread.Start, state.Reread.End
	fields := []zap.Field{zap.Time("window_start", q.Start), zap.Time("window_end", q.End), zap.Bool("second_reading", true)}
	late := newLateFilter(state)
	var loops loopGuard
	for cursor, pages := "", 1; ; pages++ {
		p, err := s.fetchPage(ctx, &q, cursor, late, fields)
		if err != nil {
			return state, err
		}
		if loops.seenPage(p.body) {
			p.slot.Release()
			s.logger.Error("API pagination loops: a page came back; ending the window so that no page is delivered twice", append(fields, zap.Int("pages", pages))...)
			return late.state, nil
		}
		err = s.deliver(ctx, p, late, fields)
		p.slot.Release()
		if err != nil {
			return state, err
		}
		if found := late.advance(); len(found) > 0 {
			s.foundLate(ctx, found, p.fetchedAt, fields)
		}
		if cursor = p.Cursor; loops.seenCursor(cursor) {
			s.logger.Error("API pagination loops: a cursor came back; ending the window so that no page is delivered twice", append(fields, zap.Int("pages", pages))...)
			cursor = ""
		}
		if cursor == "" {
			return late.state, nil
		}
		s.walk.Commit(ctx, late.state)
	}
}

// foundLate counts records found by the second reading and says so once per stream: the API
// served them later than the window's first reading.
func (s *stream) foundLate(ctx context.Context, found []logsapi.RecordKey, at time.Time, fields []zap.Field) {
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
	delivered  map[uint64]struct{}
	accepted   []logsapi.RecordKey
}

func newLateFilter(state checkpoint.State) *lateFilter {
	f := &lateFilter{
		state:     state,
		start:     uint64(state.Reread.Start.UnixNano()),
		end:       uint64(state.Reread.End.UnixNano()),
		delivered: make(map[uint64]struct{}, len(state.Reread.Delivered)),
	}
	for _, d := range state.Reread.Delivered {
		f.delivered[d.Fingerprint] = struct{}{}
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
	if _, done := f.delivered[k.Fingerprint]; done {
		return false
	}
	f.accepted = append(f.accepted, k)
	return true
}

// advance records the page's records as delivered, once the pipeline took them, and returns them.
func (f *lateFilter) advance() []logsapi.RecordKey {
	found := f.accepted
	for _, k := range found {
		f.delivered[k.Fingerprint] = struct{}{}
	}
	f.state.Reread.Delivered = appendDelivered(f.state.Reread.Delivered, f.state.Reread.Start, found)
	f.accepted = nil
	return found
}

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
