// Package usageapi talks to the Atlassian Forge App resource usage API: it builds the GraphQL
// request, maps answers and refusals to typed errors, and turns each page of usage periods into
// delta sums.
package usageapi // import "github.com/forgelogs/otelcol-forge/receiver/forgeusagereceiver/internal/usageapi"

import (
	"encoding/json"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// Group-by values of the API: usage per environment, or per customer site.
const (
	GroupByEnvironment = "ENVIRONMENT_ID"
	GroupBySite        = "CONTEXT_ARI"
)

// Resources are the resource names the API documents.
var Resources = []string{
	"CONTAINER_COMPUTE", "CONTAINER_MEMORY", "FUNCTION_COMPUTE", "KVS_READ", "KVS_WRITE", "LLM_INPUT",
	"LLM_OUTPUT", "LOGS_WRITE", "OS_REQUESTS", "SQL_COMPUTE", "SQL_REQUESTS", "SQL_STORAGE",
}

// DateLayout is how interval bounds are sent: the documentation's sample, 2025-09-01T00:00:00Z.
const DateLayout = "2006-01-02T15:04:05Z"

// GroupedQuery is the documented query with groupBy: each period lists its groups.
const GroupedQuery = `query ($appId: ID!, $filters: DevConsoleAppResourceUsageFiltersInput!, $groupBy: DevConsoleGroupBy!) {
  ecosystem {
    devConsole {
      appResourceUsage(appId: $appId, filters: $filters, groupBy: $groupBy) {
        ... on DevConsoleAppResourceUsageGroupedResponse {
          resourceUsage {
            period
            resolution
            groups {
              groupBy
              groupValue
              tokensConsumed
              tokenUnit
            }
          }
          pagination {
            page
            pageSize
          }
          error {
            message
            identifier
            extensions {
              errorType
              statusCode
            }
          }
        }
      }
    }
  }
}`

// FlatQuery is the documented query without groupBy: one amount per period, for the environment
// the filters name.
const FlatQuery = `query ($appId: ID!, $filters: DevConsoleAppResourceUsageFiltersInput!) {
  ecosystem {
    devConsole {
      appResourceUsage(appId: $appId, filters: $filters) {
        ... on DevConsoleAppResourceUsageFlatResponse {
          resourceUsage {
            period
            resolution
            tokensConsumed
            tokenUnit
          }
          pagination {
            page
            pageSize
          }
          error {
            message
            identifier
            extensions {
              errorType
              statusCode
            }
          }
        }
      }
    }
  }
}`

// Query selects one page of one resource's usage of an app over one window.
type Query struct {
	// AppID is the app's bare UUID; a full ARI is accepted as well.
	AppID    string
	Resource string
	// GroupBy is GroupByEnvironment, GroupBySite, or empty for the flat answer.
	GroupBy string
	// Environment, when set, restricts the answer to one environment id.
	Environment string
	Start, End  time.Time
	// Page is 1 for the first page.
	Page int
}

// AppARI returns the ARI of the app id, which may be a bare UUID or already an ARI.
func AppARI(id string) string {
	return apiconfig.AppARIPrefix + apiconfig.BareAppID(id)
}

// FormatDate renders t the way the API's sample does, in UTC to the second.
func FormatDate(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(DateLayout)
}

type requestBody struct {
	Query     string    `json:"query"`
	Variables variables `json:"variables"`
}

type variables struct {
	AppID   string  `json:"appId"`
	Filters filters `json:"filters"`
	GroupBy string  `json:"groupBy,omitempty"`
}

// filters holds exactly the fields of DevConsoleAppResourceUsageFiltersInput that the receiver
// uses: a GraphQL server refuses any field its input type does not declare.
type filters struct {
	Resource    string   `json:"resource"`
	Interval    interval `json:"interval"`
	Environment string   `json:"environment,omitempty"`
	Page        int      `json:"page,omitempty"`
}

type interval struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// RequestBody renders the JSON body of q's request.
func (q Query) RequestBody() ([]byte, error) {
	text := GroupedQuery
	if q.GroupBy == "" {
		text = FlatQuery
	}
	return json.Marshal(requestBody{
		Query: text,
		Variables: variables{
			AppID: AppARI(q.AppID),
			Filters: filters{
				Resource:    q.Resource,
				Interval:    interval{Start: FormatDate(q.Start), End: FormatDate(q.End)},
				Environment: q.Environment,
				Page:        q.Page,
			},
			GroupBy: q.GroupBy,
		},
	})
}
