package checkpoint

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Reread is where the second reading of a stream stands (late_arrival). Every record before
// Start has been read for the last time; the records from Start on that either reading has
// delivered are in Delivered, so that a window read again hands over only the others. A zero
// Start means no second reading.
type Reread struct {
	Start time.Time
	// End is the end of the window [Start, End) being read again, zero between such windows. A
	// restart reads it again from Start: Delivered tells what it already handed over.
	End time.Time
	// Delivered lists the records delivered with a timestamp at or after Start, in the order
	// they were delivered. Its size is bounded by the traffic of late_arrival.
	Delivered []Delivered
}

// Delivered identifies a delivered record: its timestamp and the fingerprint of its bytes.
type Delivered struct {
	// At is the record's timestamp in Unix nanoseconds.
	At          int64
	Fingerprint uint64
}

// Active reports whether the stream reads its windows a second time.
func (r Reread) Active() bool { return !r.Start.IsZero() }

// MoveTo advances Start to t, never backwards, and forgets the records before it: they are
// never read again.
func (r *Reread) MoveTo(t time.Time) {
	if !t.After(r.Start) {
		return
	}
	r.Start = t
	since := t.UnixNano()
	kept := r.Delivered[:0]
	for _, d := range r.Delivered {
		if d.At >= since {
			kept = append(kept, d)
		}
	}
	clear(r.Delivered[len(kept):])
	r.Delivered = kept
}

// deliveredSize is the encoded size of one Delivered: two little-endian 64-bit words.
const deliveredSize = 16

// encodeDelivered packs d into bytes, which JSON writes as base64: a third of the size of a
// JSON array of numbers, for a list that holds late_arrival's worth of records.
func encodeDelivered(d []Delivered) []byte {
	if len(d) == 0 {
		return nil
	}
	b := make([]byte, 0, len(d)*deliveredSize)
	for _, x := range d {
		b = binary.LittleEndian.AppendUint64(b, uint64(x.At))
		b = binary.LittleEndian.AppendUint64(b, x.Fingerprint)
	}
	return b
}

func decodeReread(e encoded) (Reread, error) {
	if e.RereadStart == 0 {
		if e.RereadEnd != 0 || len(e.Delivered) > 0 {
			return Reread{}, fmt.Errorf("%w: second reading without its start", ErrCorrupt)
		}
		return Reread{}, nil
	}
	if e.RereadStart < 0 || (e.RereadEnd != 0 && e.RereadEnd <= e.RereadStart) || len(e.Delivered)%deliveredSize != 0 {
		return Reread{}, fmt.Errorf("%w: inconsistent second reading", ErrCorrupt)
	}
	r := Reread{Start: time.Unix(0, e.RereadStart).UTC()}
	if e.RereadEnd != 0 {
		r.End = time.Unix(0, e.RereadEnd).UTC()
	}
	for b := e.Delivered; len(b) > 0; b = b[deliveredSize:] {
		r.Delivered = append(r.Delivered, Delivered{
			At:          int64(binary.LittleEndian.Uint64(b)),
			Fingerprint: binary.LittleEndian.Uint64(b[8:]),
		})
	}
	return r, nil
}
