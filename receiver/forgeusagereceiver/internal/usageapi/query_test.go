package usageapi

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	windowStart = time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)
	windowEnd   = time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
)

func TestGroupedRequestBody(t *testing.T) {
	q := Query{AppID: "0a1b", Resource: "FUNCTION_COMPUTE", GroupBy: GroupByEnvironment, Start: windowStart, End: windowEnd, Page: 1}
	body, err := q.RequestBody()
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"query": `+quote(GroupedQuery)+`,
		"variables": {
			"appId": "ari:cloud:ecosystem::app/0a1b",
			"filters": {"resource": "FUNCTION_COMPUTE", "interval": {"start": "2026-11-24T06:00:00Z", "end": "2026-11-24T07:00:00Z"}, "page": 1},
			"groupBy": "ENVIRONMENT_ID"
		}
	}`, string(body))
}

func TestGroupedBySiteRequestBodyNamesTheEnvironment(t *testing.T) {
	q := Query{AppID: "ari:cloud:ecosystem::app/0a1b", Resource: "KVS_READ", GroupBy: GroupBySite, Environment: "env-1",
		Start: windowStart, End: windowEnd.Add(23 * time.Hour), Page: 3}
	body, err := q.RequestBody()
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"query": `+quote(GroupedQuery)+`,
		"variables": {
			"appId": "ari:cloud:ecosystem::app/0a1b",
			"filters": {"resource": "KVS_READ", "interval": {"start": "2026-11-24T06:00:00Z", "end": "2026-11-25T06:00:00Z"}, "environment": "env-1", "page": 3},
			"groupBy": "CONTEXT_ARI"
		}
	}`, string(body))
}

func TestFlatRequestBodyHasNoGroupBy(t *testing.T) {
	q := Query{AppID: "0a1b", Resource: "LOGS_WRITE", Environment: "env-1", Start: windowStart, End: windowEnd, Page: 1}
	body, err := q.RequestBody()
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"query": `+quote(FlatQuery)+`,
		"variables": {
			"appId": "ari:cloud:ecosystem::app/0a1b",
			"filters": {"resource": "LOGS_WRITE", "interval": {"start": "2026-11-24T06:00:00Z", "end": "2026-11-24T07:00:00Z"}, "environment": "env-1", "page": 1}
		}
	}`, string(body))
}

// The query texts are the documented ones, field for field (whitespace and commas are
// insignificant in GraphQL).
func TestQueryTexts(t *testing.T) {
	compact := strings.NewReplacer(" ", "", "\n", "", ",", "").Replace
	assert.Equal(t, "query($appId:ID!$filters:DevConsoleAppResourceUsageFiltersInput!$groupBy:DevConsoleGroupBy!){ecosystem{devConsole{appResourceUsage(appId:$appIdfilters:$filtersgroupBy:$groupBy){...onDevConsoleAppResourceUsageGroupedResponse{resourceUsage{periodresolutiongroups{groupBygroupValuetokensConsumedtokenUnit}}pagination{pagepageSize}error{messageidentifierextensions{errorTypestatusCode}}}}}}}",
		compact(GroupedQuery))
	assert.Equal(t, "query($appId:ID!$filters:DevConsoleAppResourceUsageFiltersInput!){ecosystem{devConsole{appResourceUsage(appId:$appIdfilters:$filters){...onDevConsoleAppResourceUsageFlatResponse{resourceUsage{periodresolutiontokensConsumedtokenUnit}pagination{pagepageSize}error{messageidentifierextensions{errorTypestatusCode}}}}}}}",
		compact(FlatQuery))
}

func quote(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, '\\', '"')
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
