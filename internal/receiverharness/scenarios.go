package receiverharness

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"

	"github.com/forgelogs/otelcol-forge/internal/appconfig"
	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

// The scenarios below are promises every receiver of an account's apps keeps in the same way; a
// receiver's test says only how to start its receiver and what its API answers.

// StartFunc starts a receiver on the clock of a scenario, delivering to sink, and returns it.
type StartFunc func(sink *consumertest.MetricsSink) component.Component

// RunAcrossARestart runs a receiver from start until the clock reaches stop, then, as after a
// restart of the collector, another from restart for the time more; it requires that each
// delivered something and returns what each delivered. The two share what start gives them
// (a storage host), which is what the test is about.
func (f *FakeTime) RunAcrossARestart(start, restart StartFunc, stop time.Time, more time.Duration) (first, second *consumertest.MetricsSink) {
	f.t.Helper()
	first, second = &consumertest.MetricsSink{}, &consumertest.MetricsSink{}
	f.RunUntil(start(first), stop)
	require.Positive(f.t, first.DataPointCount(), "the first receiver delivered")
	f.RunUntil(restart(second), f.Now().Add(more))
	require.Positive(f.t, second.DataPointCount(), "the restarted receiver delivered")
	return first, second
}

// RequireRecoveryFromARefusedToken runs a receiver, from start on the endpoint and host it is
// given, against an API that refuses its first two requests with refusal (a token refused, as
// the API answers it) and then answers as api does (the token fixed), until the clock reaches
// until. The refusals are reported as a recoverable error and retried, then the receiver
// delivers and reports that it is well again.
func (f *FakeTime) RequireRecoveryFromARefusedToken(api http.Handler, refusal string, until time.Time, start func(endpoint string, host component.Host, sink *consumertest.MetricsSink) component.Component) {
	f.t.Helper()
	refuser := RefuseFirst(2, refusal, api)
	host := statustest.NewHost()
	sink := &consumertest.MetricsSink{}
	f.RunUntil(start(Serve(f.t, refuser).URL, host, sink), until)

	assert.Equal(f.t, 2, refuser.Refused())
	assert.Positive(f.t, sink.DataPointCount())
	RequireRefusedThenRecovered(f.t, host)
}

// RunOneReceiverPerApp starts, with start, one receiver of type typ for each app of Apps, each
// named by its index, and runs them together until the clock reaches until.
func (f *FakeTime) RunOneReceiverPerApp(typ component.Type, until time.Time, start func(app appconfig.App, set receiver.Settings) component.Component) {
	f.t.Helper()
	var receivers []component.Component
	for i, app := range Apps() {
		receivers = append(receivers, start(app, Settings(typ, fmt.Sprint(i))))
	}
	f.RunTo(until)
	for _, r := range receivers {
		f.Stop(r)
	}
}

// AssertAppResources checks that every scope of all is named scope, and that each environment of
// Apps was delivered under the resource attributes AppResources gives it, and no other one.
func AssertAppResources(t testing.TB, all []pmetric.Metrics, scope string) {
	t.Helper()
	for _, rm := range ResourceMetrics(all) {
		for i := 0; i < rm.ScopeMetrics().Len(); i++ {
			assert.Equal(t, scope, rm.ScopeMetrics().At(i).Scope().Name())
		}
	}
	assert.Equal(t, AppResources(), ResourcesByEnvironment(all))
}
