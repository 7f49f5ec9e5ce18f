package receiverharness

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"

	"github.com/forgelogs/otelcol-forge/internal/status/statustest"
)

var errScheme = errors.New("scheme")

type fakeConfig struct {
	Endpoint string `mapstructure:"endpoint"`
	Token    string `mapstructure:"token"`
	Timeout  int    `mapstructure:"timeout"`
}

func (c *fakeConfig) Validate() error {
	if !strings.HasPrefix(c.Endpoint, "https://") {
		return fmt.Errorf(`%w: "endpoint" must use https://, got %q`, errScheme, c.Endpoint)
	}
	return nil
}

func loadFake(t *testing.T, name string) *fakeConfig {
	return LoadConfig(t, component.MustNewType("fake"), name, &fakeConfig{Timeout: 30})
}

func TestLoadConfigUnmarshalsTheCaseOntoTheDefaults(t *testing.T) {
	assert.Equal(t, &fakeConfig{Endpoint: "https://api.example.com", Token: Secret, Timeout: 30}, loadFake(t, "https"))
}

func TestRequireRefusalsValidatesEachCase(t *testing.T) {
	RequireRefusals(t, loadFake, Refusals{
		{"http", errScheme, `"endpoint" must use https://`},
	})
}

func TestRequireRefusedThenRecovered(t *testing.T) {
	report := func(statuses ...componentstatus.Status) *statustest.Host {
		host := statustest.NewHost()
		for _, s := range statuses {
			if s == componentstatus.StatusRecoverableError {
				host.Report(componentstatus.NewRecoverableErrorEvent(errors.New("refused")))
			} else {
				host.Report(componentstatus.NewEvent(s))
			}
		}
		return host
	}
	recovered := report(componentstatus.StatusRecoverableError, componentstatus.StatusOK)
	assert.False(t, fails(t, func(t testing.TB) { RequireRefusedThenRecovered(t, recovered) }))
	for name, host := range map[string]*statustest.Host{
		"nothing reported":  report(),
		"never refused":     report(componentstatus.StatusOK),
		"never recovered":   report(componentstatus.StatusRecoverableError),
		"refused once more": report(componentstatus.StatusRecoverableError, componentstatus.StatusOK, componentstatus.StatusRecoverableError),
	} {
		assert.True(t, fails(t, func(t testing.TB) { RequireRefusedThenRecovered(t, host) }), name)
	}
}
