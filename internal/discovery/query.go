package discovery // import "github.com/forgelogs/otelcol-forge/internal/discovery"

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/forgelogs/otelcol-forge/internal/apiconfig"
)

// Query is the query text the published Forge CLI (@forge/cli-shared 9.8.0) sends to list an
// app's environments (SPEC 10).
const Query = `query forge_cli_listEnvironment($id: ID!, $first: Int!, $after: String) { app(id: $id) { environmentsPage(first: $first, after: $after) { nodes { id key type createdAt } pageInfo { hasNextPage endCursor } totalCount } } }`

// PageSize is how many environments one request asks for: an app has a few, and one per
// developer at most, so one page is the rule.
const PageSize = 50

// Environment types, as the API names them.
const (
	TypeDevelopment = "DEVELOPMENT"
	TypeStaging     = "STAGING"
	TypeProduction  = "PRODUCTION"
)

// Types lists every environment type the API knows.
var Types = []string{TypeDevelopment, TypeStaging, TypeProduction}

// ValidType reports whether t is an environment type the API knows.
func ValidType(t string) bool { return slices.Contains(Types, t) }

// Environment is one environment of an app.
type Environment struct {
	// ID is what the logs and metrics APIs take; Key is the environment's name ("production",
	// "staging", "development" or a custom key), the resource's deployment.environment.name.
	ID, Key, Type string
}

// request is the JSON body of one page's request.
type request struct {
	Query     string    `json:"query"`
	Variables variables `json:"variables"`
}

type variables struct {
	ID    string  `json:"id"`
	First int     `json:"first"`
	After *string `json:"after"`
}

// requestBody builds the request for the page after cursor ("" for the first page) of the
// environments of appID (a bare id or the app's ARI).
func requestBody(appID, cursor string) ([]byte, error) {
	v := variables{ID: apiconfig.AppARIPrefix + apiconfig.BareAppID(appID), First: PageSize}
	if cursor != "" {
		v.After = &cursor
	}
	body, err := json.Marshal(request{Query: Query, Variables: v})
	if err != nil {
		return nil, fmt.Errorf("encode discovery request: %w", err)
	}
	return body, nil
}
