package forgesim // import "github.com/forgelogs/otelcol-forge/internal/forgesim"

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	metricsMaxWindow   = 15 * time.Minute
	maxGraphQLBodySize = 1 << 20
	appARIPrefix       = "ari:cloud:ecosystem::app/"
	experimentalAPI    = "ForgeMetricsQuery"
)

// queryFragments must all appear in a metrics query once whitespace and commas are removed (both
// are insignificant in GraphQL): the documented operation, its fields and both union members.
var queryFragments = []string{
	"queryEcosystem($appId:ID!$query:ForgeMetricsOtlpQueryInput!){",
	"ecosystem{forgeMetrics(appId:$appId){appMetrics(query:$query){",
	"...onForgeMetricsOtlpData{",
	"resourceMetrics",
	"...onQueryError{",
	"message",
	"statusCode",
	"errorType",
}

type graphQLRequest struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
}

// metricsVariables are the query's variables; unknown input fields are refused, as GraphQL does.
type metricsVariables struct {
	AppID *string `json:"appId"`
	Query *struct {
		Filters *struct {
			Environments []string `json:"environments"`
			Interval     *struct {
				Start string `json:"start"`
				End   string `json:"end"`
			} `json:"interval"`
			Metrics []string `json:"metrics"`
		} `json:"filters"`
	} `json:"query"`
}

// metricsOutcome is how a metrics request was answered, for the request log.
type metricsOutcome struct {
	status      int
	fault       string
	queryStatus int
	queryError  string
}

// serveMetrics answers POST /graphql, the App metrics API, and logs the request.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	entry := Request{Time: s.cfg.Now(), API: "metrics"}
	entry.Account, _, _ = r.BasicAuth()
	out := s.answerMetrics(w, r, &entry)
	entry.Status, entry.Fault, entry.QueryStatus, entry.QueryError = out.status, out.fault, out.queryStatus, out.queryError
	s.mu.Lock()
	s.requests = append(s.requests, entry)
	s.mu.Unlock()
}

func (s *Server) answerMetrics(w http.ResponseWriter, r *http.Request, entry *Request) metricsOutcome {
	if s.cfg.Faults.Latency > 0 {
		sleep(r, s.cfg.Faults.Latency)
	}
	if r.Method != http.MethodPost {
		status, _ := fail(w, http.StatusMethodNotAllowed, "Method not allowed")
		return metricsOutcome{status: status}
	}
	// The limit is per user and applies before the token is checked, so every call counts
	// against the account it names, whatever its answer.
	if wait, limited := s.admit(s.accountAdmitted, entry.Account, s.cfg.MetricsRequestsPerMinute, entry.Time); limited {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		status, _ := fail(w, http.StatusTooManyRequests, "Rate limit exceeded")
		return metricsOutcome{status: status}
	}
	// The gateway's answer to bad credentials is not documented; the simulator answers with a
	// QueryError (HTTP 200) so receivers exercise the QueryError path. An HTTP 401 is covered by
	// the logs API, whose gateway documents it.
	if !s.authorized(r) {
		return queryError(w, "", http.StatusUnauthorized, "UNAUTHENTICATED", "Unauthorized: invalid or missing credentials")
	}
	if status, fault, done := s.injectFault(w, r); done {
		return metricsOutcome{status: status, fault: fault}
	}

	raw, err := io.ReadAll(io.LimitReader(r.Body, maxGraphQLBodySize+1))
	var req graphQLRequest
	if err == nil && len(raw) > maxGraphQLBodySize {
		err = fmt.Errorf("request body over %d bytes", maxGraphQLBodySize)
	}
	if err == nil {
		err = json.Unmarshal(raw, &req)
	}
	if err != nil {
		return graphQLErrors(w, http.StatusBadRequest, "Invalid GraphQL request: "+err.Error())
	}
	if !slices.Contains(headerValues(r.Header.Values("X-ExperimentalApi")), experimentalAPI) {
		return graphQLErrors(w, http.StatusOK, "Field 'forgeMetrics' is experimental: send the header 'X-ExperimentalApi: "+experimentalAPI+"'")
	}
	compact := strings.NewReplacer(" ", "", "\t", "", "\n", "", "\r", "", ",", "").Replace(req.Query)
	for _, fragment := range queryFragments {
		if !strings.Contains(compact, fragment) {
			return graphQLErrors(w, http.StatusOK, "Validation error: the query does not select "+fragment)
		}
	}
	var vars metricsVariables
	dec := json.NewDecoder(bytes.NewReader(req.Variables))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vars); err != nil {
		return graphQLErrors(w, http.StatusOK, "Variables are invalid: "+err.Error())
	}
	if vars.AppID == nil {
		return graphQLErrors(w, http.StatusOK, "Variable 'appId' has an invalid value: null")
	}
	if vars.Query == nil || vars.Query.Filters == nil || vars.Query.Filters.Interval == nil {
		return graphQLErrors(w, http.StatusOK, "Variable 'query' has an invalid value: filters.interval is required")
	}
	f := vars.Query.Filters
	ari := *vars.AppID
	entry.AppID = strings.TrimPrefix(ari, appARIPrefix)
	entry.Environments, entry.Metrics = f.Environments, f.Metrics
	entry.Start, _ = time.Parse(dateLayout, f.Interval.Start)
	entry.End, _ = time.Parse(dateLayout, f.Interval.End)
	for _, m := range f.Metrics {
		if _, ok := lookupMetric(m); !ok {
			return graphQLErrors(w, http.StatusOK, fmt.Sprintf("Variable 'query' has an invalid value: Invalid input for enum 'ForgeMetricsQueryMetric'. No value found for name '%s'", m))
		}
	}

	badRequest := func(message string) metricsOutcome {
		return queryError(w, ari, http.StatusBadRequest, "BAD_REQUEST", message)
	}
	if !strings.HasPrefix(ari, appARIPrefix) || entry.AppID == "" {
		return badRequest(fmt.Sprintf("appId %q is not an app ARI (%s<id>)", ari, appARIPrefix))
	}
	envs, ok := s.environmentsOf(entry.AppID)
	if !ok {
		return queryError(w, ari, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("App %s not found", ari))
	}
	if len(f.Environments) == 0 {
		return badRequest("filters.environments must name at least one environment")
	}
	for _, env := range f.Environments {
		if !slices.Contains(envs, env) {
			return queryError(w, ari, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Environment %s not found", env))
		}
	}
	start, err := time.Parse(dateLayout, f.Interval.Start)
	if err != nil {
		return badRequest("interval.start must be formatted as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
	}
	end, err := time.Parse(dateLayout, f.Interval.End)
	if err != nil {
		return badRequest("interval.end must be formatted as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
	}
	now := s.cfg.Now()
	switch {
	case end.Before(start):
		return badRequest("interval.end must not be before interval.start")
	case end.Sub(start) > metricsMaxWindow:
		return badRequest("The maximum interval is 15 minutes")
	case start.Before(now.Add(-retention)):
		return badRequest("interval.start must be within the last 14 days")
	}

	// Points appear once their time has passed.
	if now.Before(end) {
		end = now
	}
	body := s.metricsAnswer(entry.AppID, f.Environments, f.Metrics, start, end)
	w.Header().Set("Content-Type", "application/json")
	if s.roll(s.cfg.Faults.TruncateRate) {
		_, _ = w.Write(body[:len(body)/2])
		return metricsOutcome{status: http.StatusOK, fault: "truncated"}
	}
	_, _ = w.Write(body)
	return metricsOutcome{status: http.StatusOK}
}

// headerValues splits comma-separated header values, as a client may list several opt-ins.
func headerValues(values []string) []string {
	var out []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(part))
		}
	}
	return out
}

// selectMetrics returns the definitions named by enums, in answer order; none names every
// documented metric, without the custom metrics, which are served only when named.
func selectMetrics(enums []string) []metricDef {
	if len(enums) == 0 {
		return metricDefs
	}
	var defs []metricDef
	for _, d := range append(slices.Clip(metricDefs), customMetricsDef) {
		if slices.Contains(enums, d.enum) {
			defs = append(defs, d)
		}
	}
	return defs
}

// points returns the points of app for envs (deduplicated, in their order) and the metrics named
// by enums, with timeUnixNano in (start, end], grouped by metric.
func (s *Server) points(app string, envs, enums []string, start, end time.Time) ([]metricDef, [][]MetricPoint) {
	defs := selectMetrics(enums)
	known, _ := s.environmentsOf(app)
	var seen []string
	for _, env := range envs {
		if slices.Contains(known, env) && !slices.Contains(seen, env) {
			seen = append(seen, env)
		}
	}
	byMetric := make([][]MetricPoint, len(defs))
	for i, d := range defs {
		for _, env := range seen {
			byMetric[i] = s.metricPoints(byMetric[i], app, env, d, start, end)
		}
	}
	return defs, byMetric
}

// VisiblePoints returns the points the metrics API serves for app (a bare id or an ARI), its
// environments envs and the metric enum names metrics (none for all), with timeUnixNano in
// (start, end], in the order of an answer. It ignores the simulator's clock: pick end <= Now.
// Unknown apps, environments and metrics have no points.
func (s *Server) VisiblePoints(app string, envs, metrics []string, start, end time.Time) []MetricPoint {
	_, byMetric := s.points(strings.TrimPrefix(app, appARIPrefix), envs, metrics, start, end)
	var out []MetricPoint
	for _, points := range byMetric {
		out = append(out, points...)
	}
	return out
}

// metricsAnswer renders the GraphQL answer with the points of the query, shaped like the
// documented sample: one resourceMetrics with an empty resource, one scopeMetrics without scope.
func (s *Server) metricsAnswer(app string, envs, enums []string, start, end time.Time) []byte {
	defs, byMetric := s.points(app, envs, enums, start, end)
	b := append(make([]byte, 0, 64<<10), `{"data":{"ecosystem":{"forgeMetrics":{"appMetrics":{"resourceMetrics":[`...)
	n := 0
	for i, d := range defs {
		if len(byMetric[i]) == 0 {
			continue
		}
		if n == 0 {
			b = append(b, `{"resource":{},"scopeMetrics":[{"metrics":[`...)
		} else {
			b = append(b, ',')
		}
		b = appendMetricJSON(b, d, byMetric[i])
		n++
	}
	if n > 0 {
		b = append(b, "]}]}"...)
	}
	return append(b, "]}}}}}"...)
}

// queryError answers a QueryError: HTTP 200 with the error in place of the data.
func queryError(w http.ResponseWriter, identifier string, status int, errorType, message string) metricsOutcome {
	type extensions struct {
		StatusCode int    `json:"statusCode"`
		ErrorType  string `json:"errorType"`
	}
	type appMetrics struct {
		Message    string     `json:"message"`
		Identifier *string    `json:"identifier"`
		Extensions extensions `json:"extensions"`
	}
	answer := appMetrics{Message: message, Extensions: extensions{StatusCode: status, ErrorType: errorType}}
	if identifier != "" {
		answer.Identifier = &identifier
	}
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"ecosystem": map[string]any{"forgeMetrics": map[string]any{"appMetrics": answer}}}})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	return metricsOutcome{status: http.StatusOK, queryStatus: status, queryError: errorType}
}

// graphQLErrors answers top-level GraphQL errors without data, as the gateway does for a request
// it cannot run (HTTP 400) or a query or variables it refuses (HTTP 200).
func graphQLErrors(w http.ResponseWriter, status int, message string) metricsOutcome {
	body, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"message": message}}, "data": nil})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return metricsOutcome{status: status}
}
