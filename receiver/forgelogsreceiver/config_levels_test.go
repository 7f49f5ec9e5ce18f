package forgelogsreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
)

// SPEC 3 lists the levels as the API's `level` parameter takes them, in upper case, and the
// receiver sends them as written: a level in another case is refused at startup, naming the key
// and the value, rather than sent to an API that would not match it.
func TestValidateTakesLevelsInUpperCaseOnly(t *testing.T) {
	for _, level := range []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"} {
		cfg := loadConfig(t, "minimal")
		cfg.Apps[0].Levels = []string{level}
		assert.NoError(t, confmap.Validate(cfg), level)
	}
	for _, level := range []string{"warn", "Error", "fatal", "info"} {
		cfg := loadConfig(t, "minimal")
		cfg.Apps[0].Levels = []string{"WARN", level}
		err := confmap.Validate(cfg)
		require.ErrorIs(t, err, errUnknownLevel, level)
		assert.Contains(t, err.Error(), `apps[0]: "levels" has an unknown level`)
		assert.Contains(t, err.Error(), `got "`+level+`"`)
	}
}
