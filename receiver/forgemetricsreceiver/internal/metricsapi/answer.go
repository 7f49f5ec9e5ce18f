package metricsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// ErrMalformedAnswer is returned for a 200 whose body is not a GraphQL answer of the expected
// shape. Like a truncated body, it is worth retrying.
var ErrMalformedAnswer = errors.New("malformed App metrics answer")

// graphQLAnswer is the envelope of a GraphQL answer, down to the union the query selects.
type graphQLAnswer struct {
	Data *struct {
		Ecosystem *struct {
			ForgeMetrics *struct {
				AppMetrics json.RawMessage `json:"appMetrics"`
			} `json:"forgeMetrics"`
		} `json:"ecosystem"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// appMetricsUnion tells the two members of the appMetrics union apart without copying the data.
type appMetricsUnion struct {
	ResourceMetrics presence        `json:"resourceMetrics"`
	Message         *string         `json:"message"`
	Identifier      json.RawMessage `json:"identifier"`
	Extensions      *struct {
		StatusCode json.RawMessage `json:"statusCode"`
		ErrorType  string          `json:"errorType"`
	} `json:"extensions"`
}

// presence records that a member was there, whatever its value, and keeps none of it.
type presence bool

func (p *presence) UnmarshalJSON([]byte) error {
	*p = true
	return nil
}

// appMetrics extracts data.ecosystem.forgeMetrics.appMetrics from a 200 answer: the OTLP/JSON
// object {"resourceMetrics": [...]} on success, a *apierror.StatusError for a QueryError or for
// GraphQL errors without data, and ErrMalformedAnswer for anything else.
func appMetrics(body []byte) ([]byte, error) {
	var answer graphQLAnswer
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedAnswer, err)
	}
	var raw json.RawMessage
	if d := answer.Data; d != nil && d.Ecosystem != nil && d.Ecosystem.ForgeMetrics != nil {
		raw = d.Ecosystem.ForgeMetrics.AppMetrics
	}
	if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
		var union appMetricsUnion
		if err := json.Unmarshal(raw, &union); err != nil {
			return nil, fmt.Errorf("%w: appMetrics: %w", ErrMalformedAnswer, err)
		}
		switch {
		case bool(union.ResourceMetrics):
			return raw, nil
		case union.Message != nil || union.Extensions != nil || union.Identifier != nil:
			return nil, union.statusError()
		}
	}
	if len(answer.Errors) > 0 {
		messages := make([]string, len(answer.Errors))
		for i, e := range answer.Errors {
			messages[i] = e.Message
		}
		return nil, apierror.FromGraphQLErrors(messages)
	}
	return nil, fmt.Errorf("%w: no appMetrics and no errors", ErrMalformedAnswer)
}

// statusError maps a QueryError to the HTTP status it names, so the caller handles both alike.
func (u appMetricsUnion) statusError() *apierror.StatusError {
	var errorType, message string
	var code json.RawMessage
	if u.Message != nil {
		message = *u.Message
	}
	if u.Extensions != nil {
		errorType, code = u.Extensions.ErrorType, u.Extensions.StatusCode
	}
	return apierror.FromQueryError(message, errorType, code)
}
