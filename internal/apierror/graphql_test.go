package apierror

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromQueryError(t *testing.T) {
	for _, tt := range []struct {
		name, statusCode string
		want             int
	}{
		{"number", `401`, 401},
		{"numeric string", `"429"`, 429},
		{"missing", ``, 400},
		{"not a status", `"teapot"`, 400},
		{"out of range", `200`, 400},
		{"unknown 5xx", `599`, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			se := FromQueryError("Unauthorized", "UNAUTHENTICATED", json.RawMessage(tt.statusCode))
			assert.Equal(t, tt.want, se.StatusCode)
			assert.Equal(t, "UNAUTHENTICATED: Unauthorized", se.Reason)
		})
	}
	assert.Equal(t, "no type", FromQueryError("no type", "", nil).Reason)
}

func TestFromGraphQLErrors(t *testing.T) {
	se := FromGraphQLErrors([]string{"Field 'x' is not defined", "Variable 'y' is invalid"})
	assert.Equal(t, 400, se.StatusCode)
	assert.True(t, se.Refused())
	assert.Equal(t, "Field 'x' is not defined; Variable 'y' is invalid", se.Reason)
}
