// Package checkpoint stores a stream's progress in a storage extension. The encoding is versioned
// JSON: it outlives any one version of the receiver, so fields are only ever added.
package checkpoint // import "github.com/forgelogs/otelcol-forge/internal/checkpoint"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// version is written into every checkpoint; Load refuses versions it does not know.
const version = 1

// State is a stream's progress. Every record before WindowStart has been delivered. When Offset is
// above zero, the window [WindowStart, WindowEnd) is in progress: its first Offset records, in the
// API's order, have been delivered, the last of them with fingerprint LastFingerprint.
type State struct {
	WindowStart time.Time
	WindowEnd   time.Time
	Offset      int
	// LastFingerprint lets a resumed window check that the API still returns the same records.
	LastFingerprint uint64
	// QueryHash identifies the filters and sites the window was read with; progress inside a
	// window means nothing for a different query.
	QueryHash uint64
	// Boundary holds fingerprints of records already delivered whose timestamp is at or after
	// WindowStart: the previous window's end was inclusive for them, and the next window returns
	// them again.
	Boundary []uint64
	// Reread is the second reading's progress, zero when late_arrival is off.
	Reread Reread
}

// InProgress reports whether the state stops inside a window.
func (s State) InProgress() bool { return s.Offset > 0 }

type encoded struct {
	Version         int      `json:"v"`
	WindowStart     int64    `json:"start_ns"`
	WindowEnd       int64    `json:"end_ns,omitempty"`
	Offset          int      `json:"offset,omitempty"`
	LastFingerprint uint64   `json:"last_fp,omitempty"`
	QueryHash       uint64   `json:"query,omitempty"`
	Boundary        []uint64 `json:"boundary,omitempty"`
	// Added for late_arrival; absent from checkpoints written without it.
	RereadStart int64  `json:"reread_start_ns,omitempty"`
	RereadEnd   int64  `json:"reread_end_ns,omitempty"`
	Delivered   []byte `json:"delivered,omitempty"`
}

// ErrCorrupt is returned for a stored checkpoint that cannot be read; it must never be taken for
// "no checkpoint", which would silently restart the stream.
var ErrCorrupt = errors.New("checkpoint is corrupt or of an unknown version")

// Marshal encodes s.
func Marshal(s State) ([]byte, error) {
	e := encoded{
		Version:         version,
		WindowStart:     s.WindowStart.UnixNano(),
		Offset:          s.Offset,
		LastFingerprint: s.LastFingerprint,
		QueryHash:       s.QueryHash,
		Boundary:        s.Boundary,
	}
	if !s.WindowEnd.IsZero() {
		e.WindowEnd = s.WindowEnd.UnixNano()
	}
	if !s.Reread.Start.IsZero() {
		e.RereadStart = s.Reread.Start.UnixNano()
		if !s.Reread.End.IsZero() {
			e.RereadEnd = s.Reread.End.UnixNano()
		}
		e.Delivered = encodeDelivered(s.Reread.Delivered)
	}
	return json.Marshal(e)
}

// Unmarshal decodes data written by Marshal.
func Unmarshal(data []byte) (State, error) {
	var e encoded
	if err := json.Unmarshal(data, &e); err != nil {
		return State{}, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if e.Version != version {
		return State{}, fmt.Errorf("%w: version %d", ErrCorrupt, e.Version)
	}
	if e.WindowStart <= 0 || e.Offset < 0 || (e.Offset > 0 && e.WindowEnd <= e.WindowStart) {
		return State{}, fmt.Errorf("%w: inconsistent fields", ErrCorrupt)
	}
	reread, err := decodeReread(e)
	if err != nil {
		return State{}, err
	}
	s := State{
		WindowStart:     time.Unix(0, e.WindowStart).UTC(),
		Offset:          e.Offset,
		LastFingerprint: e.LastFingerprint,
		QueryHash:       e.QueryHash,
		Boundary:        e.Boundary,
		Reread:          reread,
	}
	if e.WindowEnd != 0 {
		s.WindowEnd = time.Unix(0, e.WindowEnd).UTC()
	}
	return s, nil
}

// Store keeps one checkpoint per stream key.
type Store interface {
	// Load returns the stream's state; found is false when it has none.
	Load(ctx context.Context, key string) (state State, found bool, err error)
	Save(ctx context.Context, key string, state State) error
}

// StorageStore keeps checkpoints in a storage extension's client.
type StorageStore struct {
	client storage.Client
}

// NewStorageStore returns a Store over client.
func NewStorageStore(client storage.Client) *StorageStore {
	return &StorageStore{client: client}
}

// Load reads key. A read error and a corrupt value are errors, never "not found".
func (s *StorageStore) Load(ctx context.Context, key string) (State, bool, error) {
	data, err := s.client.Get(ctx, key)
	if err != nil {
		return State{}, false, fmt.Errorf("read checkpoint %q: %w", key, err)
	}
	if data == nil {
		return State{}, false, nil
	}
	state, err := Unmarshal(data)
	if err != nil {
		return State{}, false, fmt.Errorf("read checkpoint %q: %w", key, err)
	}
	return state, true, nil
}

// Save writes key.
func (s *StorageStore) Save(ctx context.Context, key string, state State) error {
	data, err := Marshal(state)
	if err != nil {
		return fmt.Errorf("encode checkpoint %q: %w", key, err)
	}
	if err := s.client.Set(ctx, key, data); err != nil {
		return fmt.Errorf("write checkpoint %q: %w", key, err)
	}
	return nil
}

// MemoryStore keeps checkpoints in memory, for a receiver configured without storage.
type MemoryStore struct {
	mu     sync.Mutex
	states map[string]State
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{states: map[string]State{}}
}

// Load returns the state saved under key.
func (m *MemoryStore) Load(_ context.Context, key string) (State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	state, ok := m.states[key]
	state.Boundary = append([]uint64(nil), state.Boundary...)
	state.Reread.Delivered = append([]Delivered(nil), state.Reread.Delivered...)
	return state, ok, nil
}

// Save keeps state under key.
func (m *MemoryStore) Save(_ context.Context, key string, state State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	state.Boundary = append([]uint64(nil), state.Boundary...)
	state.Reread.Delivered = append([]Delivered(nil), state.Reread.Delivered...)
	m.states[key] = state
	return nil
}
