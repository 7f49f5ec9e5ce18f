package forgeusagereceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver"

	"github.com/forgelogs/otelcol-forge/internal/receiverharness"
	"github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/metadata"
)

// The limit is the account's: two receivers with the same account draw from one budget of five
// requests a minute, and a metrics receiver's budget is another.
func TestReceiversWithOneAccountShareItsBudget(t *testing.T) {
	clock := receiverharness.NewFakeTime(t, simNow)
	sim, srv := newSim(t, clock, 0)
	clock.RunOneReceiverPerApp(metadata.Type, simNow.Add(10*time.Minute), func(app AppConfig, set receiver.Settings) component.Component {
		cfg := testConfig(srv.URL)
		cfg.Apps = []AppConfig{app}
		cfg.InitialLookback = 14 * 24 * time.Hour // hundreds of windows behind: more than the budget below
		r := receivers.Create(t, cfg, set, &consumertest.MetricsSink{}, clock)
		clock.Start(r, streamCount(cfg), componenttest.NewNopHost())
		return r
	})

	// All streams were behind: 49 calls at most in 10 minutes of a saturated budget.
	receiverharness.RequireSaturatedBudget(t, receiverharness.RequestTimes(sim, ""), 45, 5)
	assert.NotEqual(t, budgetKey(srv.URL, receiverharness.Email), "forgemetrics "+srv.URL+" "+receiverharness.Email, "not the metrics API's budget")
}
