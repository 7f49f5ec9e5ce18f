package discovery

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/forgelogs/otelcol-forge/internal/clock"
	"github.com/forgelogs/otelcol-forge/internal/retry"
)

// DefaultInterval is how often an app's environments are listed again.
const DefaultInterval = time.Hour

// maxPages ends a listing whose pagination never ends: far more pages than any app has
// environments, and a bound on the requests one listing can take.
const maxPages = 100

// PageFetcher fetches one page of an app's environments; *Client is one.
type PageFetcher interface {
	Page(ctx context.Context, appID, cursor string) (Page, error)
}

// Observer receives a watcher's measurements, besides the requests its Caller counts.
type Observer interface {
	// Environments records how many environments the app is polled in after a listing.
	Environments(ctx context.Context, n int)
	// Changed counts environments that appeared and vanished in a listing.
	Changed(ctx context.Context, appeared, vanished int)
}

// Watcher lists one app's environments at start and every Interval, and hands the selected set to
// Apply whenever it changes (the first listing included). Its requests run through Caller, so a
// refusal (401, 403, GraphQL errors) reports a recoverable status under the Caller's stream name,
// is logged without the token and retried slowly, and a 429 or a 5xx backs off; Caller's budget
// should be one of discovery's own, so that listings never take requests from an API's.
type Watcher struct {
	AppID string
	// Types selects the environments by type; empty selects all of them.
	Types    []string
	Interval time.Duration
	Fetcher  PageFetcher
	Caller   *retry.Caller
	Clock    clock.Clock
	Observer Observer
	Logger   *zap.Logger
	// Apply receives the selected environments, sorted by id, each time they change. It runs in
	// the watcher's goroutine: until it returns, the next listing waits.
	Apply func(ctx context.Context, envs []Environment)

	current []Environment
	known   bool
	// warnedNoCursor keeps the warning about a page without cursor to one per watcher.
	warnedNoCursor bool
}

// Run lists and applies until ctx ends. Nothing is applied before the first listing succeeds, so
// that nothing of the app is polled until its environments are known.
func (w *Watcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		envs, err := w.list(ctx)
		if err != nil {
			return // ctx ended
		}
		w.update(ctx, w.selected(envs))
		_ = w.Clock.Sleep(ctx, w.Interval)
	}
}

// list reads every page, each retried until it succeeds or ctx ends.
func (w *Watcher) list(ctx context.Context) ([]Environment, error) {
	var envs []Environment
	seen := map[string]bool{}
	cursor := ""
	for pages := 1; ; pages++ {
		var page Page
		err := w.Caller.Do(ctx, func(ctx context.Context) error {
			var err error
			page, err = w.Fetcher.Page(ctx, w.AppID, cursor)
			return err
		}, nil, zap.Bool("has_cursor", cursor != ""))
		if err != nil {
			return nil, err
		}
		envs = append(envs, page.Environments...)
		if page.MoreWithoutCursor && !w.warnedNoCursor {
			w.warnedNoCursor = true
			w.Logger.Warn("Environment list says more pages follow but gives no cursor; using the environments read so far. List the app's environments in the configuration if some are missing.",
				zap.Int("environments", len(envs)), zap.Int("total_count", page.TotalCount))
		}
		if page.Next == "" {
			return envs, nil
		}
		if seen[page.Next] || pages >= maxPages {
			w.Logger.Error("Environment list pagination does not end; using the environments read so far",
				zap.Int("pages", pages), zap.Int("environments", len(envs)))
			return envs, nil
		}
		seen[page.Next] = true
		cursor = page.Next
	}
}

// selected keeps the environments of the configured types, once each, sorted by id.
func (w *Watcher) selected(envs []Environment) []Environment {
	var out []Environment
	for _, env := range envs {
		if len(w.Types) > 0 && !slices.Contains(w.Types, strings.ToUpper(env.Type)) {
			continue
		}
		out = append(out, env)
	}
	slices.SortFunc(out, func(a, b Environment) int { return strings.Compare(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b Environment) bool { return a.ID == b.ID })
}

// update logs and counts what changed, and applies the new set when it did.
func (w *Watcher) update(ctx context.Context, envs []Environment) {
	appeared, vanished := Diff(w.current, envs)
	w.Observer.Environments(ctx, len(envs))
	first := !w.known
	if !first && len(appeared) == 0 && len(vanished) == 0 && slices.Equal(w.current, envs) {
		return
	}
	w.Observer.Changed(ctx, len(appeared), len(vanished))
	for _, env := range appeared {
		w.Logger.Info("Environment discovered; polling it", zap.String("environment_id", env.ID),
			zap.String("environment_key", env.Key), zap.String("environment_type", env.Type))
	}
	for _, env := range vanished {
		w.Logger.Info("Environment no longer listed; polling stops and its checkpoint is kept",
			zap.String("environment_id", env.ID), zap.String("environment_key", env.Key))
	}
	if first && len(envs) == 0 {
		w.Logger.Warn("App has no environment of the selected types; nothing to poll until one appears",
			zap.Strings("environment_types", w.Types))
	}
	w.current, w.known = envs, true
	w.Apply(ctx, slices.Clone(envs))
}

// Diff returns the environments of next that prev lacks, and those of prev that next lacks, by id.
func Diff(prev, next []Environment) (appeared, vanished []Environment) {
	has := func(envs []Environment, id string) bool {
		return slices.ContainsFunc(envs, func(e Environment) bool { return e.ID == id })
	}
	for _, env := range next {
		if !has(prev, env.ID) {
			appeared = append(appeared, env)
		}
	}
	for _, env := range prev {
		if !has(next, env.ID) {
			vanished = append(vanished, env)
		}
	}
	return appeared, vanished
}
