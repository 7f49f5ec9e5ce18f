package receiverharness

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// The account the simulator knows and the receivers' test configurations use.
const (
	Email = "sim@example.com"
	Token = "sim-token"
)

// Now is where the fake clock of a receiver test starts: a whole hour, so that the windows of
// every receiver (seconds, minutes or hours) start on a boundary.
var Now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Sim serves the simulator of cfg on loopback until the test ends. An empty Email or Token is
// the harness's account, so that a test states only what its scenario needs.
func Sim(t testing.TB, cfg forgesim.Config) (*forgesim.Server, *httptest.Server) {
	t.Helper()
	if cfg.Email == "" {
		cfg.Email = Email
	}
	if cfg.Token == "" {
		cfg.Token = Token
	}
	sim := forgesim.New(cfg)
	return sim, Serve(t, sim)
}

// Serve serves h on loopback until the test ends.
func Serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// Refuser answers the first requests with a refusal, then hands every request to the API behind.
type Refuser struct {
	mu      sync.Mutex
	left    int
	refused int
	body    string
	next    http.Handler
}

// RefuseFirst answers the first n requests with body (a 200 carrying the API's error, as the
// GraphQL APIs refuse), and the others with next.
func RefuseFirst(n int, body string, next http.Handler) *Refuser {
	return &Refuser{left: n, body: body, next: next}
}

func (f *Refuser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	refuse := f.left > 0
	if refuse {
		f.left--
		f.refused++
	}
	f.mu.Unlock()
	if refuse {
		_, _ = w.Write([]byte(f.body))
		return
	}
	f.next.ServeHTTP(w, r)
}

// Refused returns how many requests were refused.
func (f *Refuser) Refused() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused
}

// RequestTimes returns when the simulator answered each request to api ("metrics", "usage",
// "environments", "logs"), in order; every request when api is empty.
func RequestTimes(sim *forgesim.Server, api string) []time.Time {
	var times []time.Time
	for _, r := range sim.Requests() {
		if api == "" || r.API == api {
			times = append(times, r.Time)
		}
	}
	return times
}

// GraphQLVariables decodes the variables of the GraphQL request r into v and reports whether it
// could; a request that is not one fails the test.
func GraphQLVariables(t testing.TB, r *http.Request, v any) bool {
	t.Helper()
	body := struct{ Variables any }{Variables: v}
	return assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
}
