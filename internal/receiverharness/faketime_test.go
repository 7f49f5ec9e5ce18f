package receiverharness

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/forgelogs/otelcol-forge/internal/clock/clocktest"
)

// ticker is a component whose goroutines each wake every period of the fake clock and note when;
// with a sink, each wake-up delivers to it.
type ticker struct {
	clock      *clocktest.Fake
	period     time.Duration
	goroutines int
	sink       *consumertest.MetricsSink
	cancel     context.CancelFunc
	done       sync.WaitGroup
	mu         sync.Mutex
	woke       []time.Time
}

func (k *ticker) Start(context.Context, component.Host) error {
	ctx, cancel := context.WithCancel(context.Background())
	k.cancel = cancel
	for range k.goroutines {
		k.done.Add(1)
		go func() {
			defer k.done.Done()
			for k.clock.Sleep(ctx, k.period) == nil {
				k.mu.Lock()
				k.woke = append(k.woke, k.clock.Now())
				k.mu.Unlock()
				if k.sink != nil {
					_ = k.sink.ConsumeMetrics(ctx, twoResources())
				}
			}
		}()
	}
	return nil
}

func (k *ticker) Shutdown(context.Context) error {
	k.cancel()
	k.done.Wait()
	return nil
}

func (k *ticker) wakeUps() []time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]time.Time(nil), k.woke...)
}

func TestFakeTimeHoldsTimeUntilRunToSaysWhereItStops(t *testing.T) {
	clock := NewFakeTime(t, Now)
	k := &ticker{clock: clock.Fake, period: time.Minute, goroutines: 1}
	clock.Start(k, 1, componenttest.NewNopHost())
	assert.Equal(t, Now, clock.Now(), "time holds still while the receiver starts")
	assert.Empty(t, k.wakeUps())

	clock.RunTo(Now.Add(3*time.Minute + 30*time.Second))
	assert.Equal(t, Now.Add(3*time.Minute+30*time.Second), clock.Now())
	assert.Equal(t, []time.Time{Now.Add(time.Minute), Now.Add(2 * time.Minute), Now.Add(3 * time.Minute)}, k.wakeUps())

	clock.RunUntil(k, Now.Add(5*time.Minute))
	assert.Len(t, k.wakeUps(), 4, "a wake-up at 4 minutes; the sleep due at 5 is cut short by the stop")
}

// Time moves only once every goroutine of every started receiver sleeps: a receiver started
// after another, with goroutines of its own, takes part from its start.
func TestFakeTimeCountsTheGoroutinesOfEveryReceiver(t *testing.T) {
	clock := NewFakeTime(t, Now)
	first := &ticker{clock: clock.Fake, period: time.Minute, goroutines: 1}
	second := &ticker{clock: clock.Fake, period: 90 * time.Second, goroutines: 2}
	clock.Start(first, 1, componenttest.NewNopHost())
	clock.Start(second, 2, componenttest.NewNopHost())
	clock.RunTo(Now.Add(3 * time.Minute))
	assert.Len(t, first.wakeUps(), 2, "at 1 and 2 minutes")
	assert.Len(t, second.wakeUps(), 2, "each of its goroutines at 1m30s")

	clock.Stop(second)
	clock.RunTo(Now.Add(5 * time.Minute))
	assert.Len(t, first.wakeUps(), 4, "the stopped receiver no longer holds time: at 3 and 4 minutes")
	clock.Stop(first)
}

func TestRunAcrossARestartRequiresEachReceiverToDeliver(t *testing.T) {
	run := func(firstDelivers, secondDelivers bool) bool {
		return fails(t, func(t testing.TB) {
			clock := NewFakeTime(t, Now)
			start := func(delivers bool) StartFunc {
				return func(sink *consumertest.MetricsSink) component.Component {
					k := &ticker{clock: clock.Fake, period: time.Minute, goroutines: 1}
					if delivers {
						k.sink = sink
					}
					clock.Start(k, 1, componenttest.NewNopHost())
					return k
				}
			}
			first, second := clock.RunAcrossARestart(start(firstDelivers), start(secondDelivers), Now.Add(2*time.Minute), 2*time.Minute)
			if firstDelivers && secondDelivers {
				assert.Equal(t, 1, first.DataPointCount()/4, "the first receiver ran until 2 minutes: one wake-up")
				assert.Equal(t, 1, second.DataPointCount()/4, "the second ran 2 minutes more")
			}
		})
	}
	assert.False(t, run(true, true))
	assert.True(t, run(false, true), "the first receiver delivered nothing")
	assert.True(t, run(true, false), "the restarted receiver delivered nothing")
}

func TestRunToRefusesToWaitForAClockNothingSleepsOn(t *testing.T) {
	assert.True(t, fails(t, func(t testing.TB) { NewFakeTime(t, Now).RunTo(Now.Add(time.Minute)) }))
}
