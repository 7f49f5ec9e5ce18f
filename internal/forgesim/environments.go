package forgesim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// environmentListOperation names the Forge CLI's query that lists an app's environments; a
// GraphQL request that names it is answered as that query, any other as the metrics query.
const environmentListOperation = "forge_cli_listEnvironment"

// environmentListQuery is the query text the Forge CLI sends, whitespace and commas removed.
var environmentListQuery = compactGraphQL(`query forge_cli_listEnvironment($id: ID!, $first: Int!, $after: String) { app(id: $id) { environmentsPage(first: $first, after: $after) { nodes { id key type createdAt } pageInfo { hasNextPage endCursor } totalCount } } }`)

// maxEnvironmentPage is the largest page the simulator serves.
const maxEnvironmentPage = 100

func compactGraphQL(query string) string {
	return strings.NewReplacer(" ", "", "\t", "", "\n", "", "\r", "", ",", "").Replace(query)
}

// environmentsOf returns app's environment ids.
func (s *Server) environmentsOf(app string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	envs, ok := s.cfg.Apps[app]
	return slices.Clone(envs), ok
}

// AddEnvironment adds environment id of type typ (DEVELOPMENT, STAGING or PRODUCTION; "" types
// it by its name) to app, creating the app if needed. Its records and points start at the
// simulator's origin, like every environment's.
func (s *Server) AddEnvironment(app, id, typ string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.cfg.Apps[app], id) {
		s.cfg.Apps[app] = append(s.cfg.Apps[app], id)
	}
	if typ != "" {
		s.cfg.EnvironmentTypes[id] = typ
	}
}

// RemoveEnvironment removes environment id from app: it is no longer listed, and the logs and
// metrics APIs answer it as unknown.
func (s *Server) RemoveEnvironment(app, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Apps[app] = slices.DeleteFunc(s.cfg.Apps[app], func(e string) bool { return e == id })
}

// environmentType is the type of env: as configured, else PRODUCTION or STAGING when its id says
// so, else DEVELOPMENT.
func (s *Server) environmentType(env string) string {
	s.mu.Lock()
	typ, ok := s.cfg.EnvironmentTypes[env]
	s.mu.Unlock()
	lower := strings.ToLower(env)
	switch {
	case ok:
		return typ
	case strings.Contains(lower, "prod"):
		return "PRODUCTION"
	case strings.Contains(lower, "stag"):
		return "STAGING"
	}
	return "DEVELOPMENT"
}

// serveGraphQL dispatches a POST /graphql by its query text: one endpoint serves every GraphQL
// API, and the query names the field it asks for.
func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	raw, err := readGraphQL(r)
	if err == nil {
		var req graphQLRequest
		if json.Unmarshal(raw, &req) == nil && strings.Contains(req.Query, environmentListOperation) {
			s.serveEnvironments(w, r, req)
			return
		}
		if isUsageQuery(raw) {
			s.serveUsage(w, r, raw)
			return
		}
	}
	// The metrics API reads the body itself, and answers a body it cannot read as it always did.
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), errReader{err}))
	s.serveMetrics(w, r)
}

// environmentVariables are the list query's variables; unknown ones are refused, as GraphQL does.
type environmentVariables struct {
	ID    *string `json:"id"`
	First *int    `json:"first"`
	After *string `json:"after"`
}

// serveEnvironments answers forge_cli_listEnvironment and logs the request.
func (s *Server) serveEnvironments(w http.ResponseWriter, r *http.Request, req graphQLRequest) {
	entry := Request{Time: s.cfg.Now(), API: "environments"}
	entry.Account, _, _ = r.BasicAuth()
	out := s.answerEnvironments(w, r, req, &entry)
	entry.Status, entry.Fault = out.status, out.fault
	s.mu.Lock()
	s.requests = append(s.requests, entry)
	s.mu.Unlock()
}

func (s *Server) answerEnvironments(w http.ResponseWriter, r *http.Request, req graphQLRequest, entry *Request) metricsOutcome {
	if s.cfg.Faults.Latency > 0 {
		sleep(r, s.cfg.Faults.Latency)
	}
	if r.Method != http.MethodPost {
		status, _ := fail(w, http.StatusMethodNotAllowed, "Method not allowed")
		return metricsOutcome{status: status}
	}
	if !s.authorized(r) {
		status, _ := fail(w, http.StatusUnauthorized, "Unauthorized")
		return metricsOutcome{status: status}
	}
	if status, fault, done := s.injectFault(w, r); done {
		return metricsOutcome{status: status, fault: fault}
	}
	if compactGraphQL(req.Query) != environmentListQuery {
		return graphQLErrors(w, http.StatusOK, "Validation error: the query differs from forge_cli_listEnvironment's")
	}
	var vars environmentVariables
	dec := json.NewDecoder(bytes.NewReader(req.Variables))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vars); err != nil {
		return graphQLErrors(w, http.StatusOK, "Variables are invalid: "+err.Error())
	}
	if vars.ID == nil || vars.First == nil {
		return graphQLErrors(w, http.StatusOK, "Variables 'id' and 'first' are required")
	}
	if !strings.HasPrefix(*vars.ID, appARIPrefix) {
		return graphQLErrors(w, http.StatusOK, fmt.Sprintf("Variable 'id' %q is not an app ARI (%s<id>)", *vars.ID, appARIPrefix))
	}
	first := *vars.First
	if first < 1 || first > maxEnvironmentPage {
		return graphQLErrors(w, http.StatusOK, fmt.Sprintf("Variable 'first' must be between 1 and %d", maxEnvironmentPage))
	}
	entry.AppID = strings.TrimPrefix(*vars.ID, appARIPrefix)
	entry.Cursor = vars.After != nil
	offset := 0
	if vars.After != nil {
		n, err := decodeEnvironmentCursor(*vars.After)
		if err != nil {
			return graphQLErrors(w, http.StatusOK, "Variable 'after' is not a cursor of this list")
		}
		offset = n
	}
	envs, ok := s.environmentsOf(entry.AppID)
	if !ok {
		return writeGraphQLData(w, map[string]any{"app": nil})
	}
	slices.Sort(envs)
	type node struct {
		ID        string `json:"id"`
		Key       string `json:"key"`
		Type      string `json:"type"`
		CreatedAt string `json:"createdAt"`
	}
	nodes := []node{}
	end := min(offset+first, len(envs))
	for _, env := range envs[min(offset, len(envs)):end] {
		nodes = append(nodes, node{ID: env, Key: env, Type: s.environmentType(env), CreatedAt: s.cfg.Origin.UTC().Format(dateLayout)})
	}
	var endCursor *string
	if len(nodes) > 0 {
		c := encodeEnvironmentCursor(end)
		endCursor = &c
	}
	return writeGraphQLData(w, map[string]any{"app": map[string]any{"environmentsPage": map[string]any{
		"nodes":      nodes,
		"pageInfo":   map[string]any{"hasNextPage": end < len(envs), "endCursor": endCursor},
		"totalCount": len(envs),
	}}})
}

// An environment cursor is opaque to clients; here it is the offset of the next environment.
func encodeEnvironmentCursor(offset int) string {
	return base64.StdEncoding.EncodeToString([]byte("env:" + strconv.Itoa(offset)))
}

func decodeEnvironmentCursor(cursor string) (int, error) {
	raw, err := base64.StdEncoding.DecodeString(cursor)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(raw), "env:"))
	if err != nil || n < 0 || !strings.HasPrefix(string(raw), "env:") {
		return 0, fmt.Errorf("bad cursor %q", cursor)
	}
	return n, nil
}

func writeGraphQLData(w http.ResponseWriter, data any) metricsOutcome {
	body, _ := json.Marshal(map[string]any{"data": data})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	return metricsOutcome{status: http.StatusOK}
}

// serveEnvironmentControl adds (POST) or removes (DELETE) the environment id of app, given as
// form or query values, when the simulator was started with Control.
func (s *Server) serveEnvironmentControl(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.Control {
		_, _ = fail(w, http.StatusNotFound, "Not found")
		return
	}
	app, id := r.FormValue("app"), r.FormValue("id")
	if app == "" || id == "" {
		_, _ = fail(w, http.StatusBadRequest, "app and id are required")
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.AddEnvironment(app, id, r.FormValue("type"))
	case http.MethodDelete:
		s.RemoveEnvironment(app, id)
	default:
		_, _ = fail(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
