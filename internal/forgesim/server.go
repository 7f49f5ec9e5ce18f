// Package forgesim simulates the Atlassian Forge App logs API (its authentication, parameters,
// window rules, rate limit and cursor pagination, over deterministic synthetic records) and the
// App metrics API (its GraphQL query, window rules, per-account rate limit and QueryError answers,
// over deterministic synthetic points), with switchable faults. The receivers' tests and
// `make run` use it in place of the real APIs.
package forgesim // import "github.com/forgelogs/otelcol-forge/internal/forgesim"

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	dateLayout    = "2006-01-02T15:04:05.000Z"
	maxWindow     = time.Hour
	retention     = 14 * 24 * time.Hour
	maxSites      = 50
	rateLimitSpan = time.Minute
)

// Config describes the simulated APIs.
type Config struct {
	Email, Token string
	// Accounts are further email -> token pairs accepted by both APIs; each account has its own
	// metrics budget.
	Accounts map[string]string
	// Apps maps each app id to its environment ids.
	Apps map[string][]string
	// Origin is the time of every environment's first record; records follow at RecordsPerSecond.
	// Metric points start at the minute that holds it.
	Origin           time.Time
	RecordsPerSecond float64
	PageSize         int
	// Sites are the installation contexts records are spread over.
	Sites []string
	// LateShare is the share of records (0 to 1) that the logs API serves Lateness after their
	// timestamp rather than at once, as an API whose ingestion lags does.
	LateShare float64
	Lateness  time.Duration
	// RequestsPerMinute is the per-app limit answered with 429; 0 turns it off.
	RequestsPerMinute int
	// MetricsRequestsPerMinute is the per-account limit of the metrics API answered with 429;
	// 0 turns it off.
	MetricsRequestsPerMinute int
	// UsageRequestsPerMinute is the per-account limit of the App resource usage API answered
	// with 429; 0 turns it off. UsagePageSize is its page size (default 100).
	UsageRequestsPerMinute int
	UsagePageSize          int
	Faults                 Faults
	// Now is the simulator's clock; records after it are not yet visible.
	Now  func() time.Time
	Seed uint64
	// EnvironmentTypes gives an environment id its type in the environment list (DEVELOPMENT,
	// STAGING or PRODUCTION); an id not listed is typed by its name (see environmentType).
	EnvironmentTypes map[string]string
	// Control enables /_sim/environments, which adds (POST app, id, type) and removes (DELETE
	// app, id) environments while the simulator runs.
	Control bool
}

// Faults are probabilities (0 to 1) of misbehaving on a request, and the delays involved.
type Faults struct {
	ServerErrorRate          float64
	ThrottleRate             float64 // 429 with Retry-After
	ThrottleNoRetryAfterRate float64 // 429 without it
	TruncateRate             float64 // a 200 whose body is cut in half
	NotAPageRate             float64 // a 200 whose body is JSON but no page, as a gateway may answer (logs API)
	ResetRate                float64 // the connection is closed without an answer
	StallRate                float64 // the answer waits Stall first
	Stall                    time.Duration
	Latency                  time.Duration // added to every answer
}

// DefaultConfig is a small API with one app and one environment, a day of backlog and a steady trickle.
func DefaultConfig() Config {
	return Config{
		Email:             "sim@example.com",
		Token:             "sim-token",
		Apps:              map[string][]string{"sim-app": {"sim-env"}},
		Origin:            time.Now().Add(-24 * time.Hour),
		RecordsPerSecond:  1,
		PageSize:          500,
		Sites:             []string{"ari:cloud:jira::site/4eecb4e0-22cc-4e18-bad1-b58a154be343", "ari:cloud:confluence::site/089a1455-4ea0-122a-b70c-5b17360f047d", "ari:cloud:jira::site/7d0c3b2e-5f4a-4c1b-9e8d-2a6f1b3c4d5e"},
		RequestsPerMinute: 30,
		// The App metrics API allows five calls a minute per user.
		MetricsRequestsPerMinute: 5,
		// The App resource usage API allows five requests a minute.
		UsageRequestsPerMinute: 5,
		UsagePageSize:          defaultUsagePageSize,
		Now:                    time.Now,
	}
}

// Request is one entry of the simulator's request log.
type Request struct {
	Time time.Time `json:"time"`
	// API is "logs" or "metrics".
	API string `json:"api"`
	// Account is the Basic auth user the request named, empty without one.
	Account string `json:"account,omitempty"`
	// AppID is the bare app id, for the metrics API too.
	AppID string `json:"app_id"`
	// EnvironmentID is the logs request's environment; Environments and Metrics are the metrics
	// request's filters.
	EnvironmentID string    `json:"environment_id"`
	Environments  []string  `json:"environments,omitempty"`
	Metrics       []string  `json:"metrics,omitempty"`
	Start         time.Time `json:"start_date"`
	End           time.Time `json:"end_date"`
	// Status is the HTTP status; a metrics answer refused with a QueryError is a 200 whose
	// QueryStatus and QueryError give the error's statusCode and errorType.
	Status      int    `json:"status"`
	QueryStatus int    `json:"query_status,omitempty"`
	QueryError  string `json:"query_error,omitempty"`
	Fault       string `json:"fault,omitempty"`
	Cursor      bool   `json:"cursor"`
	// Resource, GroupBy and Page are the usage request's; EnvironmentID its environment filter.
	Resource string `json:"resource,omitempty"`
	GroupBy  string `json:"group_by,omitempty"`
	Page     int    `json:"page,omitempty"`
}

// Server serves the simulated API.
type Server struct {
	cfg      Config
	timeline timeline

	mu       sync.Mutex
	rng      *rand.Rand
	requests []Request
	admitted map[string][]time.Time // per app, times of logs requests that counted against its limit
	// per account, times of metrics requests that counted against its limit
	accountAdmitted map[string][]time.Time
	// tokens replace the configured tokens of their accounts (SetToken).
	tokens map[string]string
	// per account, times of usage requests that counted against its limit
	usageAdmitted map[string][]time.Time
}

// New returns a simulator for cfg; zero fields take DefaultConfig's values.
func New(cfg Config) *Server {
	def := DefaultConfig()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Apps == nil {
		cfg.Apps = def.Apps
	}
	// Environments change at run time (AddEnvironment): the simulator keeps copies of its own.
	apps := make(map[string][]string, len(cfg.Apps))
	for app, envs := range cfg.Apps {
		apps[app] = slices.Clone(envs)
	}
	cfg.Apps = apps
	types := make(map[string]string, len(cfg.EnvironmentTypes))
	for env, typ := range cfg.EnvironmentTypes {
		types[env] = typ
	}
	cfg.EnvironmentTypes = types
	if cfg.RecordsPerSecond <= 0 {
		cfg.RecordsPerSecond = def.RecordsPerSecond
	}
	if cfg.UsagePageSize <= 0 {
		cfg.UsagePageSize = defaultUsagePageSize
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = def.PageSize
	}
	if len(cfg.Sites) == 0 {
		cfg.Sites = def.Sites
	}
	if cfg.Origin.IsZero() {
		cfg.Origin = cfg.Now().Add(-24 * time.Hour)
	}
	return &Server{
		cfg:             cfg,
		timeline:        newTimeline(cfg.Origin, cfg.RecordsPerSecond),
		rng:             rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		admitted:        map[string][]time.Time{},
		accountAdmitted: map[string][]time.Time{},
		usageAdmitted:   map[string][]time.Time{},
	}
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Visible returns the records of env that the API serves up to until, in the API's order,
// without filters: what a receiver should deliver once it has caught up to until.
func (s *Server) Visible(app, env string, from, until time.Time) []Record {
	var out []Record
	now := s.cfg.Now()
	for i := s.timeline.first(from); !s.timeline.at(i).After(until); i++ {
		if r := s.record(app, env, i); !s.ServedAt(r).After(now) {
			out = append(out, r)
		}
	}
	return out
}

// ServeHTTP answers GET /v1/app/logs/{appId}, POST /graphql (the metrics and usage APIs and the
// environment list), GET /_sim/requests with the request log, POST /_sim/token, which replaces an
// account's token, and, when Config.Control is set, /_sim/environments, which adds and removes
// environments while the simulator runs.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_sim/requests":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Requests())
		return
	case "/_sim/token":
		s.serveSetToken(w, r)
		return
	case "/graphql":
		s.serveGraphQL(w, r)
		return
	case "/_sim/environments":
		s.serveEnvironmentControl(w, r)
		return
	}
	entry := Request{Time: s.cfg.Now(), API: "logs", EnvironmentID: r.URL.Query().Get("environmentId"), Cursor: r.URL.Query().Get("cursor") != ""}
	entry.Account, _, _ = r.BasicAuth()
	entry.AppID, _ = strings.CutPrefix(r.URL.Path, "/v1/app/logs/")
	entry.Start, _ = time.Parse(dateLayout, r.URL.Query().Get("startDate"))
	entry.End, _ = time.Parse(dateLayout, r.URL.Query().Get("endDate"))
	status, fault := s.serve(w, r, entry)
	entry.Status, entry.Fault = status, fault
	s.mu.Lock()
	s.requests = append(s.requests, entry)
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, entry Request) (int, string) {
	if s.cfg.Faults.Latency > 0 {
		sleep(r, s.cfg.Faults.Latency)
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/app/logs/") || r.Method != http.MethodGet {
		return fail(w, http.StatusNotFound, "Not found")
	}
	if !s.authorized(r) {
		return fail(w, http.StatusUnauthorized, "Unauthorized")
	}
	if wait, limited := s.admit(s.admitted, entry.AppID, s.cfg.RequestsPerMinute, entry.Time); limited {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		return fail(w, http.StatusTooManyRequests, "Request has been rate limited")
	}
	if status, fault, done := s.injectFault(w, r); done {
		return status, fault
	}
	envs, ok := s.environmentsOf(entry.AppID)
	if !ok {
		return fail(w, http.StatusNotFound, fmt.Sprintf("App %s not found", entry.AppID))
	}
	q, err := parseQuery(r, s.cfg.Now())
	if err != nil {
		return fail(w, http.StatusBadRequest, err.Error())
	}
	if !slices.Contains(envs, q.env) {
		return fail(w, http.StatusNotFound, fmt.Sprintf("Environment %s not found", q.env))
	}
	body, err := s.page(entry.AppID, q, r.URL.Query().Get("cursor"))
	if err != nil {
		return fail(w, http.StatusBadRequest, err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	if s.roll(s.cfg.Faults.TruncateRate) {
		_, _ = w.Write(body[:len(body)/2])
		return http.StatusOK, "truncated"
	}
	if s.roll(s.cfg.Faults.NotAPageRate) {
		_, _ = w.Write([]byte(`{"message":"upstream busy"}`))
		return http.StatusOK, "not_a_page"
	}
	_, _ = w.Write(body)
	return http.StatusOK, ""
}

// authorized reports whether r carries the Basic auth of a configured account.
func (s *Server) authorized(r *http.Request) bool {
	email, token, ok := r.BasicAuth()
	if !ok {
		return false
	}
	want, known := s.tokenOf(email)
	return known && token == want
}

// admit applies a limit of limit requests per key over a sliding minute, keeping the times in
// admitted (guarded by s.mu); it returns how long until a slot frees. A limit of 0 admits all.
func (s *Server) admit(admitted map[string][]time.Time, key string, limit int, now time.Time) (time.Duration, bool) {
	if limit <= 0 {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	times := admitted[key]
	for len(times) > 0 && !times[0].After(now.Add(-rateLimitSpan)) {
		times = times[1:]
	}
	if len(times) >= limit {
		admitted[key] = times
		return times[0].Add(rateLimitSpan).Sub(now), true
	}
	admitted[key] = append(times, now)
	return 0, false
}

func (s *Server) injectFault(w http.ResponseWriter, r *http.Request) (int, string, bool) {
	f := s.cfg.Faults
	switch {
	case s.roll(f.ResetRate):
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return 0, "reset", true
			}
		}
		status, _ := fail(w, http.StatusBadGateway, "connection reset")
		return status, "reset", true
	case s.roll(f.StallRate):
		sleep(r, f.Stall)
		if r.Context().Err() != nil {
			return 0, "stall", true
		}
	case s.roll(f.ServerErrorRate):
		status, _ := fail(w, http.StatusInternalServerError, "Request failed with status code 500")
		return status, "server_error", true
	case s.roll(f.ThrottleRate):
		w.Header().Set("Retry-After", "1")
		status, _ := fail(w, http.StatusTooManyRequests, "Request has been rate limited")
		return status, "throttle", true
	case s.roll(f.ThrottleNoRetryAfterRate):
		status, _ := fail(w, http.StatusTooManyRequests, "Request has been rate limited")
		return status, "throttle_no_retry_after", true
	}
	return 0, "", false
}

func (s *Server) roll(p float64) bool {
	if p <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rng.Float64() < p
}

func sleep(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.Context().Done():
	case <-t.C:
	}
}

func fail(w http.ResponseWriter, status int, message string) (int, string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
	return status, ""
}

type query struct {
	env        string
	start, end time.Time
	levels     map[int]bool
	message    string
	sites      map[string]bool
}

func parseQuery(r *http.Request, now time.Time) (query, error) {
	v := r.URL.Query()
	q := query{env: v.Get("environmentId"), message: v.Get("message")}
	if q.env == "" {
		return q, fmt.Errorf("environmentId is required")
	}
	var err error
	if q.start, err = time.Parse(dateLayout, v.Get("startDate")); err != nil {
		return q, fmt.Errorf("startDate must be formatted as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
	}
	if q.end, err = time.Parse(dateLayout, v.Get("endDate")); err != nil {
		return q, fmt.Errorf("endDate must be formatted as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
	}
	switch {
	case q.end.Before(q.start):
		return q, fmt.Errorf("endDate must not be before startDate")
	case q.end.Sub(q.start) > maxWindow:
		return q, errors.New("The maximum time difference allowed between startDate and endDate is 1 hour") //nolint:staticcheck // the API's own words
	case q.start.Before(now.Add(-retention)):
		return q, fmt.Errorf("startDate must be within the last 14 days")
	}
	if levels := v["level"]; len(levels) > 0 {
		q.levels = map[int]bool{}
		for _, l := range levels {
			i := slices.Index(Levels, l)
			if i < 0 {
				return q, fmt.Errorf("unknown level %q", l)
			}
			q.levels[i] = true
		}
	}
	if sites := v["installationContext"]; len(sites) > 0 {
		if len(sites) > maxSites {
			return q, fmt.Errorf("a maximum of %d installationContext values is allowed", maxSites)
		}
		q.sites = map[string]bool{}
		for _, site := range sites {
			q.sites[site] = true
		}
	}
	return q, nil
}

func (q query) matches(r Record) bool {
	return (q.levels == nil || q.levels[r.Level]) &&
		(q.sites == nil || q.sites[r.Site]) &&
		(q.message == "" || strings.Contains(r.Message, q.message))
}

// cursorState is what a cursor carries: where to go on, and the window it belongs to, so a
// cursor used with another window is refused as the API does.
type cursorState struct {
	Next  int64 `json:"n"`
	Start int64 `json:"s"`
	End   int64 `json:"e"`
}

// page renders the page of q that starts at cursor. The end bound is inclusive at millisecond
// precision, so a record on a window boundary is returned by both windows, as the receiver must expect.
func (s *Server) page(app string, q query, cursor string) ([]byte, error) {
	next := s.timeline.first(q.start)
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		var c cursorState
		if err == nil {
			err = json.Unmarshal(raw, &c)
		}
		if err != nil || c.Start != q.start.UnixMilli() || c.End != q.end.UnixMilli() {
			return nil, fmt.Errorf("invalid cursor")
		}
		next = c.Next
	}
	last := q.end
	now := s.cfg.Now()
	if now.Before(last) {
		last = now
	}
	last = last.Truncate(time.Millisecond).Add(time.Millisecond - 1)

	body := make([]byte, 0, s.cfg.PageSize*900)
	body = append(body, `{"appLogs":[`...)
	n := 0
	for ; n < s.cfg.PageSize && !s.timeline.at(next).After(last); next++ {
		rec := s.record(app, q.env, next)
		if !q.matches(rec) || s.ServedAt(rec).After(now) {
			continue
		}
		if n > 0 {
			body = append(body, ',')
		}
		body = rec.appendJSON(body)
		n++
	}
	body = append(body, ']')
	if !s.timeline.at(next).After(last) {
		raw, _ := json.Marshal(cursorState{Next: next, Start: q.start.UnixMilli(), End: q.end.UnixMilli()})
		body = append(body, `,"cursor":"`...)
		body = append(body, base64.RawURLEncoding.EncodeToString(raw)...)
		body = append(body, '"')
	}
	return append(body, '}'), nil
}
