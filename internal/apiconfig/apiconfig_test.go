package apiconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
)

func TestIsLoopback(t *testing.T) {
	for endpoint, want := range map[string]bool{
		"http://localhost:8089":        true,
		"http://LOCALHOST:8089":        true,
		"http://localhost.:8089":       true,
		"http://127.0.0.1:8089":        true,
		"http://127.8.9.10":            true,
		"http://[::1]:8089":            true,
		"https://api.atlassian.com":    false,
		"http://localhost.example.com": false,
		"http://10.0.0.1":              false,
		"http://[::]:80":               false,
		"::not a url":                  false,
	} {
		assert.Equal(t, want, IsLoopback(endpoint), endpoint)
	}
}

func TestValidateEndpoint(t *testing.T) {
	assert.NoError(t, ValidateEndpoint("https://api.atlassian.com"))
	assert.NoError(t, ValidateEndpoint("http://localhost:8089"))
	assert.NoError(t, ValidateEndpoint("http://127.0.0.1:8089"))
	assert.ErrorIs(t, ValidateEndpoint("http://api.atlassian.com"), ErrEndpointScheme)
	assert.ErrorIs(t, ValidateEndpoint("ftp://api.atlassian.com"), ErrEndpointInvalid)
	assert.ErrorIs(t, ValidateEndpoint("api.atlassian.com"), ErrEndpointInvalid)
	assert.ErrorIs(t, ValidateEndpoint(""), ErrEndpointInvalid)
}

func TestValidateCredentials(t *testing.T) {
	token := configopaque.String("t0ken")
	tests := []struct {
		email   string
		token   configopaque.String
		hasAuth bool
		want    error
	}{
		{"bot@example.com", token, false, nil},
		{"", "", true, nil},
		{"bot@example.com", "", false, ErrEmailWithoutToken},
		{"", token, false, ErrTokenWithoutEmail},
		{"", "", false, ErrNoCredentials},
		{"bot@example.com", token, true, ErrBothCredentials},
		{"", token, true, ErrBothCredentials},
	}
	for _, tt := range tests {
		err := ValidateCredentials(tt.email, tt.token, tt.hasAuth)
		if tt.want == nil {
			assert.NoError(t, err)
			continue
		}
		assert.ErrorIs(t, err, tt.want)
		assert.NotContains(t, err.Error(), "t0ken")
	}
}

func TestBareAppID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0a1b2c3d-4e5f", "0a1b2c3d-4e5f"},
		{"ari:cloud:ecosystem::app/0a1b2c3d-4e5f", "0a1b2c3d-4e5f"},
		{"ari:cloud:ecosystem::app/", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, BareAppID(tt.in), tt.in)
	}
}

func TestProduct(t *testing.T) {
	assert.Equal(t, "otelcol-forge/0.1.0", Product(component.BuildInfo{Command: "otelcol-forge", Version: "0.1.0"}))
	assert.Empty(t, Product(component.BuildInfo{}), "no build information, no product")
}
