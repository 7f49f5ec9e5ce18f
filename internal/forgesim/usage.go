package forgesim

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
	// usageHourlyUpTo is SPEC 11's decision: intervals up to 24 hours are answered in ONE_HOUR
	// periods, longer ones in ONE_DAY periods.
	usageHourlyUpTo = 24 * time.Hour
	// usageExperimentalAPI is the opt-in header value the simulator asks for.
	usageExperimentalAPI = "DevConsoleAppResourceUsage"
	defaultUsagePageSize = 100
)

// usageQueryFragments must all appear in a usage query once whitespace and commas are removed.
var usageQueryFragments = []string{
	"$appId:ID!",
	"$filters:DevConsoleAppResourceUsageFiltersInput!",
	"ecosystem{devConsole{appResourceUsage(appId:$appIdfilters:$filters",
	"resourceUsage{periodresolution",
	"pagination{pagepageSize}",
	"error{message",
}

// usageUnits are the simulator's units per resource: synthetic, in the shape of the sample's
// "GB-seconds".
var usageUnits = map[string]string{
	"CONTAINER_COMPUTE": "vCPU-seconds", "CONTAINER_MEMORY": "GB-seconds", "FUNCTION_COMPUTE": "GB-seconds",
	"KVS_READ": "GB", "KVS_WRITE": "GB", "LLM_INPUT": "tokens", "LLM_OUTPUT": "tokens", "LOGS_WRITE": "GB",
	"OS_REQUESTS": "requests", "SQL_COMPUTE": "vCPU-seconds", "SQL_REQUESTS": "requests", "SQL_STORAGE": "GB-hours",
}

// UsageResources lists the resource names the simulator serves: those the API documents.
func UsageResources() []string {
	names := make([]string, 0, len(usageUnits))
	for name := range usageUnits {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// usageVariables are the query's variables; unknown fields are refused, as a GraphQL server does.
type usageVariables struct {
	AppID   *string `json:"appId"`
	Filters *struct {
		Resource *string `json:"resource"`
		Interval *struct {
			Start string `json:"start"`
			End   string `json:"end"`
		} `json:"interval"`
		ContextAris []string `json:"contextAris"`
		Environment *string  `json:"environment"`
		Page        *int     `json:"page"`
	} `json:"filters"`
	GroupBy *string `json:"groupBy"`
}

// UsagePoint is one amount the usage API serves: a resource's usage in one period, for one
// environment and, grouped by site, one site (Site empty otherwise).
type UsagePoint struct {
	Resource      string
	EnvironmentID string
	Site          string
	Start, End    time.Time
	// Micros is the amount in millionths of Unit; the API writes it with six decimals.
	Micros int64
	Unit   string
}

// Key identifies the point: resource|environment|site|period start.
func (p UsagePoint) Key() string {
	return fmt.Sprintf("%s|%s|%s|%d", p.Resource, p.EnvironmentID, p.Site, p.Start.UnixNano())
}

// Amount is the decimal string the API answers.
func (p UsagePoint) Amount() string { return fmt.Sprintf("%d.%06d", p.Micros/1e6, p.Micros%1e6) }

// usageMicros is the usage of one (app, resource, environment, site) in one hour: deterministic,
// up to 100 units with six decimals.
func usageMicros(app, resource, env, site string, hour time.Time) int64 {
	return int64(mix(seedOf(app, resource, env, site)^uint64(hour.Unix())) % 100_000_000)
}

// VisibleUsage returns what the usage API serves for app (a bare id or an ARI) and resource over
// [start, end) in ONE_HOUR periods, grouped by groupBy (ENVIRONMENT_ID or CONTEXT_ARI, in which
// case env names the environment filter), ignoring the simulator's clock: pick end <= Now.
func (s *Server) VisibleUsage(app, resource, groupBy, env string, start, end time.Time) []UsagePoint {
	return s.usagePoints(strings.TrimPrefix(app, appARIPrefix), resource, groupBy, env, nil, start, end, end, time.Hour)
}

// usagePoints lists the rows of an answer in its order, in periods of step: by period, then
// environment or site. A period is served once it has ended (by now) and when it overlaps [start, end); periods start
// no earlier than the simulator's origin.
func (s *Server) usagePoints(app, resource, groupBy, envFilter string, sites []string, start, end, now time.Time, step time.Duration) []UsagePoint {
	envs, _ := s.environmentsOf(app)
	if envFilter != "" {
		envs = []string{envFilter}
	}
	if len(sites) == 0 {
		sites = s.cfg.Sites
	}
	unit := usageUnits[resource]
	origin := s.cfg.Origin.Truncate(step)
	var out []UsagePoint
	for p := start.Truncate(step); p.Before(end); p = p.Add(step) {
		if p.Before(origin) || p.Add(step).After(now) {
			continue
		}
		amount := func(env, site string) int64 {
			var sum int64
			for h := p; h.Before(p.Add(step)); h = h.Add(time.Hour) {
				for _, si := range sites {
					if site == "" || site == si {
						sum += usageMicros(app, resource, env, si, h)
					}
				}
			}
			return sum
		}
		point := UsagePoint{Resource: resource, Start: p, End: p.Add(step), Unit: unit}
		switch groupBy {
		case "CONTEXT_ARI":
			for _, site := range sites {
				point.Site, point.EnvironmentID, point.Micros = site, envFilter, 0
				for _, env := range envs {
					point.Micros += amount(env, site)
				}
				out = append(out, point)
			}
		case "ENVIRONMENT_ID":
			for _, env := range envs {
				point.EnvironmentID, point.Micros = env, amount(env, "")
				out = append(out, point)
			}
		default: // flat: the total of the environments asked for
			point.EnvironmentID = envFilter
			for _, env := range envs {
				point.Micros += amount(env, "")
			}
			out = append(out, point)
		}
	}
	return out
}

// serveUsage answers the App resource usage query on POST /graphql, and logs the request.
func (s *Server) serveUsage(w http.ResponseWriter, r *http.Request, raw []byte) {
	entry := Request{Time: s.cfg.Now(), API: "usage"}
	entry.Account, _, _ = r.BasicAuth()
	out := s.answerUsage(w, r, raw, &entry)
	entry.Status, entry.Fault, entry.QueryStatus, entry.QueryError = out.status, out.fault, out.queryStatus, out.queryError
	s.mu.Lock()
	s.requests = append(s.requests, entry)
	s.mu.Unlock()
}

func (s *Server) answerUsage(w http.ResponseWriter, r *http.Request, raw []byte, entry *Request) metricsOutcome {
	if s.cfg.Faults.Latency > 0 {
		sleep(r, s.cfg.Faults.Latency)
	}
	// The limit is taken per account and for this API alone, as SPEC 11 decides.
	if wait, limited := s.admit(s.usageAdmitted, entry.Account, s.cfg.UsageRequestsPerMinute, entry.Time); limited {
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		status, _ := fail(w, http.StatusTooManyRequests, "Rate limit exceeded")
		return metricsOutcome{status: status}
	}
	if !s.authorized(r) {
		return usageError(w, "", http.StatusUnauthorized, "UNAUTHENTICATED", "Unauthorized: invalid or missing credentials")
	}
	if status, fault, done := s.injectFault(w, r); done {
		return metricsOutcome{status: status, fault: fault}
	}
	var req graphQLRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return graphQLErrors(w, http.StatusBadRequest, "Invalid GraphQL request: "+err.Error())
	}
	if !slices.Contains(headerValues(r.Header.Values("X-ExperimentalAPI")), usageExperimentalAPI) {
		return graphQLErrors(w, http.StatusOK, "Field 'appResourceUsage' is experimental: send the header 'X-ExperimentalAPI: "+usageExperimentalAPI+"'")
	}
	compact := strings.NewReplacer(" ", "", "\t", "", "\n", "", "\r", "", ",", "").Replace(req.Query)
	fragments := slices.Clone(usageQueryFragments)
	grouped := strings.Contains(compact, "...onDevConsoleAppResourceUsageGroupedResponse{")
	if grouped {
		fragments = append(fragments, "$groupBy:DevConsoleGroupBy!", "groupBy:$groupBy)", "groups{groupBygroupValuetokensConsumedtokenUnit}")
	} else {
		fragments = append(fragments, "...onDevConsoleAppResourceUsageFlatResponse{", "resolutiontokensConsumedtokenUnit}")
	}
	for _, fragment := range fragments {
		if !strings.Contains(compact, fragment) {
			return graphQLErrors(w, http.StatusOK, "Validation error: the query does not select "+fragment)
		}
	}
	var vars usageVariables
	dec := json.NewDecoder(bytes.NewReader(req.Variables))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vars); err != nil {
		return graphQLErrors(w, http.StatusOK, "Variables are invalid: "+err.Error())
	}
	f := vars.Filters
	switch {
	case vars.AppID == nil:
		return graphQLErrors(w, http.StatusOK, "Variable 'appId' has an invalid value: null")
	case f == nil || f.Resource == nil || f.Interval == nil:
		return graphQLErrors(w, http.StatusOK, "Variable 'filters' has an invalid value: resource and interval are required")
	case grouped && vars.GroupBy == nil:
		return graphQLErrors(w, http.StatusOK, "Variable 'groupBy' has an invalid value: null")
	}
	if _, ok := usageUnits[*f.Resource]; !ok {
		return graphQLErrors(w, http.StatusOK, fmt.Sprintf("Variable 'filters' has an invalid value: Invalid input for enum 'DevConsoleResource'. No value found for name '%s'", *f.Resource))
	}
	groupBy := ""
	if grouped {
		groupBy = *vars.GroupBy
		if groupBy != "ENVIRONMENT_ID" && groupBy != "CONTEXT_ARI" {
			return graphQLErrors(w, http.StatusOK, fmt.Sprintf("Variable 'groupBy' has an invalid value: Invalid input for enum 'DevConsoleGroupBy'. No value found for name '%s'", groupBy))
		}
	}
	ari := *vars.AppID
	entry.AppID = strings.TrimPrefix(ari, appARIPrefix)
	entry.Resource, entry.GroupBy, entry.Page = *f.Resource, groupBy, 1
	if f.Environment != nil {
		entry.EnvironmentID = *f.Environment
	}
	if f.Page != nil {
		entry.Page = *f.Page
	}
	start, errStart := time.Parse(time.RFC3339Nano, f.Interval.Start)
	end, errEnd := time.Parse(time.RFC3339Nano, f.Interval.End)
	entry.Start, entry.End = start, end

	badRequest := func(message string) metricsOutcome {
		return usageError(w, ari, http.StatusBadRequest, "BAD_REQUEST", message)
	}
	if !strings.HasPrefix(ari, appARIPrefix) || entry.AppID == "" {
		return badRequest(fmt.Sprintf("appId %q is not an app ARI (%s<id>)", ari, appARIPrefix))
	}
	envs, ok := s.environmentsOf(entry.AppID)
	if !ok {
		return usageError(w, ari, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("App %s not found", ari))
	}
	if entry.EnvironmentID != "" && !slices.Contains(envs, entry.EnvironmentID) {
		return usageError(w, ari, http.StatusNotFound, "NOT_FOUND", fmt.Sprintf("Environment %s not found", entry.EnvironmentID))
	}
	now := s.cfg.Now()
	switch {
	case errStart != nil || errEnd != nil:
		return badRequest("interval.start and interval.end must be ISO-8601 date-times")
	case !end.After(start):
		return badRequest("interval.end must be after interval.start")
	case start.Before(now.Add(-retention)):
		return badRequest("interval.start must be within the last 14 days")
	case entry.Page < 1:
		return badRequest("page must be at least 1")
	}
	step := time.Hour
	if end.Sub(start) > usageHourlyUpTo {
		step = 24 * time.Hour
	}
	rows := s.usagePoints(entry.AppID, *f.Resource, groupBy, entry.EnvironmentID, f.ContextAris, start.UTC(), end.UTC(), now, step)
	size := s.cfg.UsagePageSize
	from := min((entry.Page-1)*size, len(rows))
	body := usageAnswer(rows[from:min(from+size, len(rows))], groupBy, entry.Page, size)
	w.Header().Set("Content-Type", "application/json")
	if s.roll(s.cfg.Faults.TruncateRate) {
		_, _ = w.Write(body[:len(body)/2])
		return metricsOutcome{status: http.StatusOK, fault: "truncated"}
	}
	_, _ = w.Write(body)
	return metricsOutcome{status: http.StatusOK}
}

// usageAnswer renders a page: consecutive rows of one period make one resourceUsage entry.
func usageAnswer(rows []UsagePoint, groupBy string, page, size int) []byte {
	type group struct {
		GroupBy        string `json:"groupBy"`
		GroupValue     string `json:"groupValue"`
		TokensConsumed string `json:"tokensConsumed"`
		TokenUnit      string `json:"tokenUnit"`
	}
	type period struct {
		Period         string   `json:"period"`
		Resolution     string   `json:"resolution"`
		Groups         *[]group `json:"groups,omitempty"`
		TokensConsumed string   `json:"tokensConsumed,omitempty"`
		TokenUnit      string   `json:"tokenUnit,omitempty"`
	}
	periods := []period{}
	for _, row := range rows {
		label, resolution := row.Start.Format("2006-01-02T15:04:05Z"), "ONE_HOUR"
		if row.End.Sub(row.Start) > time.Hour {
			// Daily periods read as dates, as in the documentation's sample.
			label, resolution = row.Start.Format(time.DateOnly), "ONE_DAY"
		}
		if groupBy == "" {
			periods = append(periods, period{Period: label, Resolution: resolution, TokensConsumed: row.Amount(), TokenUnit: row.Unit})
			continue
		}
		if n := len(periods); n == 0 || periods[n-1].Period != label {
			periods = append(periods, period{Period: label, Resolution: resolution, Groups: &[]group{}})
		}
		value := row.EnvironmentID
		if groupBy == "CONTEXT_ARI" {
			value = row.Site
		}
		g := periods[len(periods)-1].Groups
		*g = append(*g, group{GroupBy: groupBy, GroupValue: value, TokensConsumed: row.Amount(), TokenUnit: row.Unit})
	}
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"ecosystem": map[string]any{"devConsole": map[string]any{"appResourceUsage": map[string]any{
		"resourceUsage": periods,
		"pagination":    map[string]int{"page": page, "pageSize": size},
		"error":         nil,
	}}}}})
	return body
}

// usageError answers a refusal in the response's error field: HTTP 200 without usage.
func usageError(w http.ResponseWriter, identifier string, status int, errorType, message string) metricsOutcome {
	type extensions struct {
		ErrorType  string `json:"errorType"`
		StatusCode int    `json:"statusCode"`
	}
	type queryError struct {
		Message    string     `json:"message"`
		Identifier *string    `json:"identifier"`
		Extensions extensions `json:"extensions"`
	}
	e := queryError{Message: message, Extensions: extensions{ErrorType: errorType, StatusCode: status}}
	if identifier != "" {
		e.Identifier = &identifier
	}
	body, _ := json.Marshal(map[string]any{"data": map[string]any{"ecosystem": map[string]any{"devConsole": map[string]any{"appResourceUsage": map[string]any{
		"resourceUsage": nil, "pagination": nil, "error": e,
	}}}}})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	return metricsOutcome{status: http.StatusOK, queryStatus: status, queryError: errorType}
}

// readGraphQL reads a /graphql request's body, so that the handler can be chosen by its query.
func readGraphQL(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxGraphQLBodySize+1))
	if err == nil && len(raw) > maxGraphQLBodySize {
		err = fmt.Errorf("request body over %d bytes", maxGraphQLBodySize)
	}
	return raw, err
}

// isUsageQuery tells the usage query from the metrics query by its field.
func isUsageQuery(raw []byte) bool {
	var req graphQLRequest
	return json.Unmarshal(raw, &req) == nil && strings.Contains(req.Query, "appResourceUsage")
}

// errReader replays a read error after the bytes read before it (nil: the end of the body).
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}
