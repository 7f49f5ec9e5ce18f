package apierror

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An answer that echoes the token near the end of a long body is cut by the read limit of the
// excerpt anywhere inside the token, in whichever form the answer spelled it. Whatever the cut,
// the logged excerpt never holds minMaskedPrefix or more characters of the token's start.
func TestMaskWhereTheExcerptCutsAToken(t *testing.T) {
	const token = "ATATT3x/FfGF0+secret="
	req := httptest.NewRequest(http.MethodGet, "https://api.atlassian.com/", nil)
	secrets := Secrets(req, token)
	// The forms an answer may spell the token in, written out by hand.
	for _, form := range []string{
		`ATATT3x/FfGF0+secret=`,
		`ATATT3x\/FfGF0+secret=`,
		`ATATT3x\u002fFfGF0\u002bsecret\u003d`,
		`ATATT3x\u002FFfGF0\u002Bsecret\u003D`,
		`ATATT3x%2FFfGF0%2Bsecret%3D`,
	} {
		for kept := minMaskedPrefix; kept < len(form); kept++ {
			padding := strings.Repeat("x", MaxReasonBytes-len(`{"echo":"`)-kept)
			body := `{"echo":"` + padding + form + `","more":"after the limit"}`
			excerpt := ReasonOf([]byte(body))
			require.True(t, strings.HasSuffix(excerpt, form[:kept]), "the read limit cuts %q after %d bytes", form, kept)

			masked := Mask(excerpt, secrets)
			where := fmt.Sprintf("%q cut after %d bytes", form, kept)
			assert.True(t, strings.HasSuffix(masked, `"echo":"`+padding+"[masked]"), where)
			assert.NotContains(t, masked, form[:minMaskedPrefix], where)
		}
	}
}
