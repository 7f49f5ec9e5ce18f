package forgemetricsreceiver // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver"

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/checkpoint"
	"github.com/forgelogs/otelcol-forge/internal/discovery"
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

// discoveredReader brings every discovered environment up to the end of its window, then ends
// the window. Each environment's position is saved after its points were accepted, before the
// window is committed: after a crash, an environment already past the window's start is asked only
// for what lies after its position.
type discoveredReader struct {
	*stream
	state checkpoint.State
}

// Next implements window.Reader: the call of the environments that stand furthest behind, up to
// where the next environment stands, so that they share the calls after it.
func (r *discoveredReader) Next(ctx context.Context) (window.Step[pmetric.Metrics], error) {
	d := r.discovered
	end := r.state.WindowEnd
	now := r.clock.Now()
	envs := map[string]discovery.Environment{}
	var starts []time.Time
	var moved []window.Entry
	listed, listedAt, changed := d.get()
	for _, env := range listed {
		p, ok, first := r.position(ctx, listedAt[env.ID], env.ID)
		if !ok {
			continue
		}
		moved = append(moved, first...)
		if oldest := d.plan.Oldest(now); p.Before(oldest) {
			moved = append(moved, r.skip(ctx, env.ID, p, oldest))
			p = oldest
		}
		if p.Before(end) {
			envs[env.ID] = env
			starts = append(starts, p)
		}
	}
	switch {
	case ctx.Err() != nil:
		return window.Step[pmetric.Metrics]{}, ctx.Err()
	case len(moved) > 0:
		// Saved before anything is asked for; the next step is planned from them.
		return window.Step[pmetric.Metrics]{Save: moved}, nil
	case len(starts) == 0:
		return window.Step[pmetric.Metrics]{Done: true, Next: checkpoint.State{WindowStart: end, QueryHash: discoveredQueryHash}}, nil
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	start := starts[0]
	stepEnd := start.Add(d.plan.Max)
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
		if d.positions[id].Equal(start) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		named = append(named, metricsapi.Environment{ID: id, Name: envs[id].Key})
	}
	step := r.span(ids, named, start, stepEnd, func(context.Context) window.Commit {
		commit := window.Commit{OthersOnly: true}
		for _, id := range ids {
			commit.Others = append(commit.Others, r.moveTo(id, stepEnd))
		}
		return commit
	})
	// A call refused for an environment deleted since is not retried for ever: the span is
	// planned again with the environments listed now.
	step.Interrupt = changed
	step.Expired = func(ctx context.Context, target time.Time) []window.Entry {
		// Never backwards: that would deliver again what was accepted.
		if !target.After(start) {
			return nil
		}
		entries := make([]window.Entry, len(ids))
		for i, id := range ids {
			entries[i] = r.skip(ctx, id, start, target)
		}
		return entries
	}
	return step, nil
}

// position returns where env stands: its checkpoint, or, for an environment never polled,
// initial_lookback before it was listed, with the entry that saves it at once so that a restart
// starts it there too.
func (r *discoveredReader) position(ctx context.Context, listed time.Time, envID string) (time.Time, bool, []window.Entry) {
	d := r.discovered
	if p, ok := d.positions[envID]; ok {
		return p, true, nil
	}
	if d.unreadable[envID] {
		return time.Time{}, false, nil
	}
	key := environmentKey(d.appID, envID)
	state, found, err := d.store.Load(ctx, key)
	switch {
	case err != nil && ctx.Err() == nil:
		d.unreadable[envID] = true
		r.logger.Error("Checkpoint of an environment unreadable; environment no longer polled so that it neither loses nor repeats data. Fix the storage and restart the collector.",
			zap.String("environment_id", envID), zap.Error(err))
		d.status.Stopped(key, err)
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, nil
	case !found && !d.listedUntil.IsZero() && d.listedBefore(envID):
		r.logger.Info("Environment has no checkpoint; resuming from the app's, written while its environments were listed",
			zap.String("environment_id", envID), zap.Time("start", d.listedUntil))
		return d.listedUntil, true, []window.Entry{r.moveTo(envID, d.listedUntil)}
	case !found:
		start := d.plan.First(listed)
		r.logger.Info("Environment has no checkpoint; starting at initial_lookback", zap.String("environment_id", envID), zap.Time("start", start))
		return start, true, []window.Entry{r.moveTo(envID, start)}
	}
	d.positions[envID] = state.WindowStart
	return state.WindowStart, true, nil
}

// moveTo places envID at p, where everything of it before p was delivered, and returns the entry
// that saves it.
func (r *discoveredReader) moveTo(envID string, p time.Time) window.Entry {
	r.discovered.positions[envID] = p
	return window.Entry{Key: environmentKey(r.discovered.appID, envID), State: checkpoint.State{WindowStart: p}}
}

// skip abandons envID's data between from and to, which the API no longer serves, saying so.
func (r *discoveredReader) skip(ctx context.Context, envID string, from, to time.Time) window.Entry {
	r.logger.Warn("Skipping data older than the API's 14-day limit; it can no longer be read",
		zap.String("environment_id", envID), zap.Time("skipped_from", from), zap.Time("skipped_to", to), zap.Duration("skipped", to.Sub(from)))
	r.tel.Skipped(ctx, to.Sub(from))
	return r.moveTo(envID, to)
}
