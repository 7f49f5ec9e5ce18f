package apierror

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// FromQueryError maps a QueryError, the Atlassian GraphQL gateway's refusal inside a 200 answer,
// to the HTTP status its extensions.statusCode names (a number or a numeric string), so that
// callers handle both alike. A missing or unknown status is taken as 400: a refusal.
func FromQueryError(message, errorType string, statusCode json.RawMessage) *StatusError {
	status := http.StatusBadRequest
	if code, ok := queryStatus(statusCode); ok {
		status = code
	}
	reason := message
	if errorType != "" {
		reason = errorType + ": " + message
	}
	return &StatusError{StatusCode: status, Reason: ReasonOf([]byte(reason))}
}

// FromGraphQLErrors maps top-level GraphQL errors without data to a refusal like a 400: a
// rejected variable or field repeats until the configuration changes.
func FromGraphQLErrors(messages []string) *StatusError {
	return &StatusError{StatusCode: http.StatusBadRequest, Reason: ReasonOf([]byte(strings.Join(messages, "; ")))}
}

// queryStatus reads extensions.statusCode. Only a known 4xx or 5xx status is taken.
func queryStatus(raw json.RawMessage) (int, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	code, err := strconv.Atoi(s)
	if err != nil || code < 400 || code > 599 || http.StatusText(code) == "" {
		return 0, false
	}
	return code, true
}
