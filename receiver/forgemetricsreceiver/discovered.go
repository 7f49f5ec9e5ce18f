package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
	"github.com/forgelogs/otelcol-forge/internal/retry"
	"github.com/forgelogs/otelcol-forge/internal/status"
	"github.com/forgelogs/otelcol-forge/internal/window"
	"github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"
)

// discoveredEnvironments are the environments of an app configured without them, and where each
// of them stands. The app is still one stream asking for all of its environments in one call per
// window; but an environment that appears later must start at initial_lookback (or where its
// checkpoint left it, when it comes back), far behind the others. So each environment keeps a
// position of its own, saved after the pipeline accepted its points, and a window [start, end) of
// the app brings every environment up to end: those behind in calls of their own, back to back,
// each ending where the next environment stands, until they stand together and share the call.
// Every point is delivered once: an environment is asked only for the span after its position.
type discoveredEnvironments struct {
	mu   sync.Mutex
	envs []discovery.Environment
	// listedAt is when each environment was first listed: a new one starts initial_lookback
	// before that, not before the stream's next window.
	listedAt map[string]time.Time
	// firstListed are the environments of the first listing since the receiver started.
	firstListed map[string]bool
	// changed is closed, and replaced, when the environments change.
	changed chan struct{}

	// The rest belongs to the stream's goroutine.
	appID     string
	plan      window.Plan
	store     checkpoint.Store
	status    *status.Streams
	positions map[string]time.Time
	// unreadable are environments whose checkpoint cannot be read: polled no more, never guessed.
	unreadable map[string]bool
	// listedUntil, when set, is the app's checkpoint as a configuration that listed its
	// environments left it: everything of those environments before it was delivered.
	listedUntil time.Time
}

// discoveredQueryHash marks the app checkpoints that a stream of discovered environments commits,
// apart from those of a stream of listed environments (0).
const discoveredQueryHash = 0xd15c0

// inherit reads the app's checkpoint before the walk does: when a configuration that listed the
// environments wrote it, the environments of the first listing that have no position of their
// own (a listed app keeps them, but versions before discovery did not) resume from it, rather
// than from initial_lookback, which would deliver again what that configuration delivered. An environment the listed configuration left out starts there too: the
// receiver cannot tell it from one it polled, and repeating data is worse than missing at most
// initial_lookback of an environment that was not asked for.
func (d *discoveredEnvironments) inherit(ctx context.Context, appKey string) {
	state, found, err := d.store.Load(ctx, appKey)
	if err == nil && found && state.QueryHash != discoveredQueryHash {
		d.listedUntil = state.WindowStart
	}
}

func newDiscoveredEnvironments(appID string, plan window.Plan, store checkpoint.Store, st *status.Streams) *discoveredEnvironments {
	return &discoveredEnvironments{
		appID: appID, plan: plan, store: store, status: st,
		positions: map[string]time.Time{}, unreadable: map[string]bool{}, listedAt: map[string]time.Time{},
		changed: make(chan struct{}),
	}
}

// set replaces the environments, as listed at now; the next window of the stream uses them.
func (d *discoveredEnvironments) set(envs []discovery.Environment, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.envs = slices.Clone(envs)
	close(d.changed)
	d.changed = make(chan struct{})
	first := d.firstListed == nil
	if first {
		d.firstListed = map[string]bool{}
	}
	for _, env := range envs {
		if first {
			d.firstListed[env.ID] = true
		}
		if _, ok := d.listedAt[env.ID]; !ok {
			d.listedAt[env.ID] = now
		}
	}
}

// get returns the environments, when each was first listed, and a channel closed when they change.
func (d *discoveredEnvironments) get() ([]discovery.Environment, map[string]time.Time, <-chan struct{}) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.envs), maps.Clone(d.listedAt), d.changed
}

// listedBefore reports whether envID was in the first listing since the receiver started.
func (d *discoveredEnvironments) listedBefore(envID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.firstListed[envID]
}

// environmentKey names an environment's position in the checkpoint store.
func environmentKey(appID, envID string) string { return "metrics/" + appID + "/env/" + envID }

// position returns where env stands: its checkpoint, or initial_lookback before it was listed for
// an environment never polled, saved at once so that a restart starts it there too.
func (s *stream) position(ctx context.Context, listed time.Time, envID string) (time.Time, bool) {
	d := s.discovered
	if p, ok := d.positions[envID]; ok {
		return p, true
	}
	if d.unreadable[envID] {
		return time.Time{}, false
	}
	key := environmentKey(d.appID, envID)
	state, found, err := d.store.Load(ctx, key)
	switch {
	case err != nil && ctx.Err() == nil:
		d.unreadable[envID] = true
		s.logger.Error("Checkpoint of an environment unreadable; environment no longer polled so that it neither loses nor repeats data. Fix the storage and restart the collector.",
			zap.String("environment_id", envID), zap.Error(err))
		d.status.Stopped(key, err)
		return time.Time{}, false
	case err != nil:
		return time.Time{}, false
	case !found && !d.listedUntil.IsZero() && d.listedBefore(envID):
		s.logger.Info("Environment has no checkpoint; resuming from the app's, written while its environments were listed",
			zap.String("environment_id", envID), zap.Time("start", d.listedUntil))
		s.savePosition(ctx, envID, d.listedUntil)
		return d.listedUntil, true
	case !found:
		start := d.plan.First(listed)
		s.logger.Info("Environment has no checkpoint; starting at initial_lookback", zap.String("environment_id", envID), zap.Time("start", start))
		s.savePosition(ctx, envID, start)
		return start, true
	}
	d.positions[envID] = state.WindowStart
	return state.WindowStart, true
}

// savePosition records that everything of envID before p was delivered.
func (s *stream) savePosition(ctx context.Context, envID string, p time.Time) {
	s.discovered.positions[envID] = p
	// Progress the pipeline accepted is saved even while shutting down.
	if err := s.discovered.store.Save(context.WithoutCancel(ctx), environmentKey(s.discovered.appID, envID), checkpoint.State{WindowStart: p}); err != nil {
		s.logger.Error("Checkpoint of an environment not written; a restart now would repeat its points", zap.String("environment_id", envID), zap.Error(err))
	}
}

// readDiscoveredWindow brings every discovered environment up to the end of state's window, then
// returns the next window. Each environment's position is saved after its points were accepted,
// before the window is committed: after a crash, an environment already past the window's start is
// asked only for what lies after its position.
func (s *stream) readDiscoveredWindow(ctx context.Context, state checkpoint.State) (checkpoint.State, error) {
	end := state.WindowEnd
	for {
		now := s.clock.Now()
		envs := map[string]discovery.Environment{}
		var starts []time.Time
		listed, listedAt, changed := s.discovered.get()
		for _, env := range listed {
			p, ok := s.position(ctx, listedAt[env.ID], env.ID)
			if !ok {
				continue
			}
			if oldest := s.discovered.plan.Oldest(now); p.Before(oldest) {
				s.skip(ctx, env.ID, p, oldest)
				p = oldest
			}
			if p.Before(end) {
				envs[env.ID] = env
				starts = append(starts, p)
			}
		}
		if ctx.Err() != nil {
			return state, ctx.Err()
		}
		if len(starts) == 0 {
			return checkpoint.State{WindowStart: end, QueryHash: discoveredQueryHash}, nil
		}
		slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
		start := starts[0]
		// The span ends where the next environment stands, so that they share the calls after it.
		stepEnd := start.Add(s.discovered.plan.Max)
		if end.Before(stepEnd) {
			stepEnd = end
		}
		for _, p := range starts {
			if p.After(start) && p.Before(stepEnd) {
				stepEnd = p
			}
		}
		var ids []string
		var named []metricsapi.Environment
		for id := range envs {
			if s.discovered.positions[id].Equal(start) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		for _, id := range ids {
			named = append(named, metricsapi.Environment{ID: id, Name: envs[id].Key})
		}
		err := s.readSpan(ctx, ids, named, start, stepEnd, changed)
		switch {
		case errors.Is(err, errEnvironmentsChanged):
			// A call refused for an environment deleted since is not retried for ever: the span
			// is planned again with the environments listed now.
			continue
		case errors.Is(err, retry.ErrExpired):
			// Never backwards: that would deliver again what was accepted.
			if target := s.discovered.plan.AfterExpiry(s.clock.Now()); target.After(start) {
				for _, id := range ids {
					s.skip(ctx, id, start, target)
				}
			}
			continue
		case err != nil:
			return state, err
		}
		for _, id := range ids {
			s.savePosition(ctx, id, stepEnd)
		}
	}
}

// skip abandons envID's data between from and to, which the API no longer serves, saying so.
func (s *stream) skip(ctx context.Context, envID string, from, to time.Time) {
	s.logger.Warn("Skipping data older than the API's 14-day limit; it can no longer be read",
		zap.String("environment_id", envID), zap.Time("skipped_from", from), zap.Time("skipped_to", to), zap.Duration("skipped", to.Sub(from)))
	s.tel.Skipped(ctx, to.Sub(from))
	s.savePosition(ctx, envID, to)
}
