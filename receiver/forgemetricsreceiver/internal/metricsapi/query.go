// Package metricsapi talks to the Atlassian Forge App metrics API: it builds the GraphQL request,
// maps answers and refusals to typed errors, and regroups the OTLP/JSON answer into pdata with
// one resource per environment.
package metricsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgemetricsreceiver/internal/metricsapi"

import (
	"encoding/json"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// DateLayout is the API's date format, yyyy-MM-dd'T'HH:mm:ss.SSS'Z', always in UTC.
const DateLayout = "2006-01-02T15:04:05.000Z"

// GraphQLQuery is the documented query of the App metrics API. Its answer is either the OTLP/JSON
// data or a QueryError; both shapes are selected so a refusal arrives with its reason.
const GraphQLQuery = `query Ecosystem($appId: ID!, $query: ForgeMetricsOtlpQueryInput!) {
  ecosystem {
    forgeMetrics(appId: $appId) {
      appMetrics(query: $query) {
        ... on ForgeMetricsOtlpData {
          resourceMetrics
        }
        ... on QueryError {
          message
          identifier
          extensions {
            statusCode
            errorType
          }
        }
      }
    }
  }
}`

// Query selects the metrics of one app's environments over one window.
type Query struct {
	// AppID is the app's bare UUID; a full ARI is accepted as well.
	AppID          string
	EnvironmentIDs []string
	// Metrics are the API's metric enum names, such as FORGE_BACKEND_INVOCATION_COUNT.
	Metrics    []string
	Start, End time.Time
}

// AppARI returns the ARI of the app id, which may be a bare UUID or already an ARI.
func AppARI(id string) string {
	return apiconfig.AppARIPrefix + apiconfig.BareAppID(id)
}

// FormatDate renders t the way the API expects. Times are truncated to the millisecond, the
// API's precision, so a window's bounds are exactly what was asked for.
func FormatDate(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(DateLayout)
}

type requestBody struct {
	Query     string    `json:"query"`
	Variables variables `json:"variables"`
}

type variables struct {
	AppID string     `json:"appId"`
	Query queryInput `json:"query"`
}

type queryInput struct {
	Filters filters `json:"filters"`
}

type filters struct {
	Environments []string `json:"environments"`
	Interval     interval `json:"interval"`
	Metrics      []string `json:"metrics"`
}

type interval struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// requestBody renders the JSON body of q's request.
func (q Query) requestBody() ([]byte, error) {
	return json.Marshal(requestBody{
		Query: GraphQLQuery,
		Variables: variables{
			AppID: AppARI(q.AppID),
			Query: queryInput{Filters: filters{
				// Lists are never null: the API's input type wants arrays.
				Environments: nonNil(q.EnvironmentIDs),
				Interval:     interval{Start: FormatDate(q.Start), End: FormatDate(q.End)},
				Metrics:      nonNil(q.Metrics),
			}},
		},
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
