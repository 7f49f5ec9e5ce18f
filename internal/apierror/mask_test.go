package apierror

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMask(t *testing.T) {
	sent := httptest.NewRequest(http.MethodGet, "https://api.atlassian.com/", nil)
	sent.SetBasicAuth("bot@example.com", "ATATT3xFfGF0secret-token")
	secrets := Secrets(sent, "ATATT3xFfGF0secret-token")
	tests := []struct{ reason, want string }{
		{"Unauthorized", "Unauthorized"},
		{"bad token ATATT3xFfGF0secret-token given", "bad token [masked] given"},
		// base64("bot@example.com:ATATT3xFfGF0secret-token"), as an echoed Authorization header
		{"header: Basic Ym90QGV4YW1wbGUuY29tOkFUQVRUM3hGZkdGMHNlY3JldC10b2tlbg==", "header: Basic [masked]"},
		{"cut off where the read stopped: ATATT3xFfGF0sec", "cut off where the read stopped: [masked]"},
		{"too short a start to be the token: ATATT3x", "too short a start to be the token: ATATT3x"},
		{`JSON: "Basic Ym90QGV4YW1wbGUuY29tOkFUQVRUM3hGZkdGMHNlY3JldC10b2tlbg\u003d\u003d"`, `JSON: "Basic [masked]"`},
		{"URL: token=ATATT3xFfGF0secret-token&x=1", "URL: token=[masked]&x=1"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Mask(tt.reason, secrets), tt.reason)
	}
	assert.Nil(t, Secrets(nil, ""), "no token, nothing sent: nothing to mask")
	assert.Equal(t, "as is", Mask("as is", nil))
}

// Whoever set them (an authenticator extension), the credentials of the Authorization header a
// request carried are masked too.
func TestSecretsOfAnAuthenticator(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "https://api.atlassian.com/", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOi.payload/with+slash")
	secrets := Secrets(req, "")
	assert.Equal(t, []string{"eyJhbGciOi.payload/with+slash"}, secrets)
	assert.Equal(t, `{"echo":"Bearer [masked]"}`, Mask(`{"echo":"Bearer eyJhbGciOi.payload\/with+slash"}`, secrets))
}
