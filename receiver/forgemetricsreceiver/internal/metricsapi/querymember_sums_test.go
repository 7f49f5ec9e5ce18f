package metricsapi

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// A QueryError is the member of the appMetrics union without resourceMetrics; any of its members
// tells it apart. One that carries only its identifier is still a refusal (a 400 without a
// message), never a malformed answer retried at the budget's pace.
func TestFetchTakesAQueryErrorWithOnlyItsIdentifierForARefusal(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(envelope(`{"identifier":"ari:cloud:ecosystem::app/x"}`)))
	}, "bot@example.com", 0)
	_, err := c.Fetch(context.Background(), someQuery, &bytes.Buffer{})
	require.NotErrorIs(t, err, ErrMalformedAnswer)
	se, ok := apierror.AsStatusError(err)
	require.True(t, ok, "got %v", err)
	assert.Equal(t, http.StatusBadRequest, se.StatusCode)
	assert.True(t, se.Refused())
}

// A sum that is not monotonic (a count that goes down, as a gauge of deltas can) keeps
// isMonotonic false, and stays apart from a monotonic sum of the same name.
func TestDecodeKeepsANonMonotonicSum(t *testing.T) {
	answer := `{"resourceMetrics":[{"scopeMetrics":[{"metrics":[
		{"name":"queue_depth_change","sum":{"aggregationTemporality":1,"isMonotonic":false,"dataPoints":[
			{"attributes":[{"key":"environmentId","value":{"stringValue":"env-a"}}],"timeUnixNano":"1707818460000000000","asInt":"-3"}]}},
		{"name":"queue_depth_change","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[
			{"attributes":[{"key":"environmentId","value":{"stringValue":"env-a"}}],"timeUnixNano":"1707818520000000000","asInt":"4"}]}}
	]}]}]}`
	metrics, drops, err := Decode([]byte(answer), Window{
		Start: minute(0), End: minute(15), AppID: testAppID, Environments: []Environment{{ID: "env-a"}}, Scope: testScope,
	})
	require.NoError(t, err)
	assert.Equal(t, Drops{}, drops)
	require.Equal(t, 1, metrics.ResourceMetrics().Len())
	ms := metrics.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	require.Equal(t, 2, ms.Len(), "a monotonic and a non-monotonic sum are two metrics")

	falling := ms.At(0)
	require.Equal(t, pmetric.MetricTypeSum, falling.Type())
	assert.False(t, falling.Sum().IsMonotonic())
	assert.Equal(t, pmetric.AggregationTemporalityDelta, falling.Sum().AggregationTemporality())
	require.Equal(t, 1, falling.Sum().DataPoints().Len())
	assert.Equal(t, int64(-3), falling.Sum().DataPoints().At(0).IntValue())

	rising := ms.At(1)
	assert.True(t, rising.Sum().IsMonotonic())
	assert.Equal(t, int64(4), rising.Sum().DataPoints().At(0).IntValue())
}
