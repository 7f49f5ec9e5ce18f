package forgelogsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver"

import (
	"slices"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"
)

// position is a stream's place inside one window: which of the window's records, in the API's
// order, were already delivered, and which records on the window's edges another window
// returns too.
type position struct {
	state checkpoint.State
	start uint64
	end   uint64
	// previous are the fingerprints of records on the window's start that the previous window
	// delivered; the API returns them again.
	previous map[uint64]bool
	// boundary collects records at or past the window's end: the API's end bound was inclusive
	// for them and the next window returns them again.
	boundary map[uint64]struct{}
	// read counts the window's records in the pages delivered so far.
	read int
	// mismatch is set when the record before the resume point is not the one delivered before.
	mismatch bool
	// accepted are the records of the page being decoded that accept let through.
	accepted []logsapi.RecordKey
	// horizon, when set, lets the window's end move up to now - delay when its first page is
	// asked for (see stretch).
	horizon *window.Plan
}

func newPosition(state checkpoint.State) *position {
	p := &position{
		state:    state,
		start:    uint64(state.WindowStart.UnixNano()),
		end:      uint64(state.WindowEnd.UnixNano()),
		previous: make(map[uint64]bool, len(state.Boundary)),
		boundary: map[uint64]struct{}{},
	}
	for _, fp := range state.Boundary {
		p.previous[fp] = true
	}
	return p
}

// stretch moves the end of a window that has not delivered anything yet up to where the plan
// would end it now. The walk plans a window before the stream's turn in the app's budget comes;
// the turn can take a few seconds when several streams poll, and a window ended at the time of
// its request is that much fresher.
func (p *position) stretch(q *logsapi.Query, now time.Time) {
	if p.horizon == nil || p.read > 0 {
		return
	}
	if end, ok := p.horizon.End(q.Start, now); ok && end.After(q.End) {
		q.End = end
		p.state.WindowEnd, p.end = end, uint64(end.UnixNano())
	}
}

// startPage begins the decoding of a page.
func (p *position) startPage() { p.accepted = p.accepted[:0] }

// accept decides a record of the page that follows the delivered ones: true when it must be
// delivered. It gives the same answers when a page is decoded again, until advance.
func (p *position) accept(k logsapi.RecordKey) bool {
	if p.decide(k) {
		p.accepted = append(p.accepted, k)
		return true
	}
	return false
}

func (p *position) decide(k logsapi.RecordKey) bool {
	index := p.read + k.Index
	if k.Timestamp >= p.end {
		p.boundary[k.Fingerprint] = struct{}{}
	}
	if index < p.state.Offset {
		if index == p.state.Offset-1 && k.Fingerprint != p.state.LastFingerprint {
			p.mismatch = true
		}
		return false
	}
	return !(k.Timestamp < p.start+uint64(time.Millisecond) && p.previous[k.Fingerprint])
}

// advance moves past a delivered page of records ending with last.
func (p *position) advance(records int, last logsapi.RecordKey) {
	// The second reading must know what the first one delivered.
	if p.state.Reread.Active() {
		p.state.Reread.Delivered = appendDelivered(p.state.Reread.Delivered, p.state.Reread.Start, p.accepted)
	}
	p.accepted = p.accepted[:0]
	p.read += records
	if p.read > p.state.Offset {
		p.state.Offset = p.read
		p.state.LastFingerprint = last.Fingerprint
	}
}

// delivered moves past a page the pipeline took; the first reading finds nothing late.
func (p *position) delivered(page logsapi.Page) []logsapi.RecordKey {
	p.advance(page.Records, page.Last)
	return nil
}

// final is the checkpoint once the window is read.
func (p *position) final() checkpoint.State { return p.next() }

// takeMismatch reports, once, that the API returned other records than before a restart.
func (p *position) takeMismatch() bool {
	m := p.mismatch
	p.mismatch = false
	return m
}

// progress is the checkpoint inside the window, after the pages delivered so far.
func (p *position) progress() checkpoint.State { return p.state }

// short reports that the window ended with fewer records than a previous run had delivered.
func (p *position) short() bool { return p.read < p.state.Offset }

// next is the checkpoint of the following window, once this one is complete.
func (p *position) next() checkpoint.State {
	next := checkpoint.State{WindowStart: p.state.WindowEnd, Reread: p.state.Reread}
	for fp := range p.boundary {
		next.Boundary = append(next.Boundary, fp)
	}
	slices.Sort(next.Boundary)
	return next
}
