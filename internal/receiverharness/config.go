package receiverharness

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

// ConfigFile is where a receiver's test configurations are kept, each under the receiver's ID
// with the name of its case ("forgeusage/minimal").
var ConfigFile = filepath.Join("testdata", "config.yaml")

// Secret is the token the test configurations carry, which no error may repeat.
const Secret = "s3cr3t-token"

// LoadConfig unmarshals the case name of ConfigFile for receivers of type typ onto cfg (the
// factory's default configuration) and returns it, unvalidated.
func LoadConfig[C component.Config](t testing.TB, typ component.Type, name string, cfg C) C {
	t.Helper()
	cm, err := confmaptest.LoadConf(ConfigFile)
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(typ, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

// Refusals are configuration cases that validation refuses: each the error it wraps and a text
// the message contains, which names the key. The element type is unnamed, so that a table lists
// its cases as the receivers' tests always have, one line each.
type Refusals []struct {
	Case string
	Err  error
	Text string
}

// RequireRefusals validates the configuration load returns for each case, in a subtest of its
// own, and requires the refusal named, with its text and without the token.
func RequireRefusals[C component.Config](t *testing.T, load func(t *testing.T, name string) C, refusals Refusals) {
	t.Helper()
	for _, tt := range refusals {
		t.Run(tt.Case, func(t *testing.T) {
			err := confmap.Validate(load(t, tt.Case))
			require.ErrorIs(t, err, tt.Err)
			assert.Contains(t, err.Error(), tt.Text)
			assert.NotContains(t, err.Error(), Secret)
		})
	}
}
