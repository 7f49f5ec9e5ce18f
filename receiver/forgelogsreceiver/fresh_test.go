package forgelogsreceiver

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

// freshnessSink records, for each record the API served at once, how long after its timestamp
// the pipeline got it.
type freshnessSink struct {
	clock *clocktest.Fake
	sim   *forgesim.Server
	mu    sync.Mutex
	ages  []time.Duration
	count int
}

func (*freshnessSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (f *freshnessSink) ConsumeLogs(_ context.Context, logs plog.Logs) error {
	now := f.clock.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 0; i < logs.ResourceLogs().Len(); i++ {
		for j := 0; j < logs.ResourceLogs().At(i).ScopeLogs().Len(); j++ {
			records := logs.ResourceLogs().At(i).ScopeLogs().At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				r := records.At(k)
				f.count++
				id, _ := r.Attributes().Get("invocationId")
				// The record's index is the invocation id's last group, in hex.
				s := id.Str()
				index, err := strconv.ParseInt(s[len(s)-12:], 16, 64)
				if err != nil {
					panic(err)
				}
				if !f.sim.IsLate(forgesim.Record{Index: index}) {
					f.ages = append(f.ages, now.Sub(r.Timestamp().AsTime()))
				}
			}
		}
	}
	return nil
}

// SPEC 4, fresh: at the default settings, three streams of one app at its budget of 30 requests
// a minute, with late records to read again, hand a record the API serves at once to the
// pipeline within 15 s of its timestamp (p99), and the simulator, which answers 429 past the
// budget, never has to.
func TestThreeStreamsOfAnAppAreFreshAtTheDefaults(t *testing.T) {
	h := newHarness(t, func(c *forgesim.Config) {
		c.Apps = map[string][]string{testApp: {testEnv, "env-2", "env-3"}}
		c.RecordsPerSecond, c.LateShare, c.Lateness = 1, 0.1, 3*time.Minute
	})
	h.start = h.clock.Now()
	h.streamsOfApp = 3
	h.configure = func(cfg *Config) {
		cfg.PollInterval, cfg.Delay, cfg.LateArrival, cfg.RequestsPerMinute = defaultPollInterval, defaultDelay, defaultLateArrival, defaultRequestsPerMinute
	}
	sink := &freshnessSink{clock: h.clock, sim: h.sim}
	var streams []*stream
	for _, env := range []string{testEnv, "env-2", "env-3"} {
		streams = append(streams, h.newStream(h.spec(env), sink))
	}
	h.clock.SetParticipants(len(streams))
	ctx, cancel := context.WithCancel(context.Background())
	h.clock.StopAt(h.clock.Now().Add(30*time.Minute), cancel)
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.run(ctx)
		}()
	}
	wg.Wait()

	for _, r := range h.sim.Requests() {
		require.NotEqual(t, 429, r.Status, "the streams stay within the app's budget")
	}
	require.Greater(t, len(sink.ages), 3*25*60, "30 minutes of three streams at one record a second")
	slices.Sort(sink.ages)
	p50, p99 := sink.ages[len(sink.ages)/2], sink.ages[len(sink.ages)*99/100]
	t.Logf("freshness p50 %s, p99 %s, %d requests", p50, p99, len(h.sim.Requests()))
	// SPEC's 15 s less 2 s for the network, which the fake clock does not have (a poll makes one
	// request; the others' requests cost their turns on the fake clock too). The race detector's
	// slower scheduling moves the p99 from 10.8 s to about 12.3 s.
	assert.LessOrEqual(t, p99, 13*time.Second)
}
