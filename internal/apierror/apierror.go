// Package apierror classifies the answers of the Forge APIs: HTTP statuses, the wait a 429 asks
// for, and the body excerpt that explains a refusal.
package apierror // import "github.com/forgelogs/otelcol-forge/internal/apierror"

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxReasonBytes bounds how much of an error body is kept for logs.
const MaxReasonBytes = 512

// StatusError is a non-200 answer of the API.
type StatusError struct {
	StatusCode int
	// Reason is the start of the response body, as the API explained the refusal.
	Reason string
	// RetryAfter is the wait the API asked for on a 429, zero when it gave none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("API answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("API answered %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Reason)
}

// Throttled reports a 429: the app's request budget is exhausted.
func (e *StatusError) Throttled() bool { return e.StatusCode == http.StatusTooManyRequests }

// Refused reports an answer that repeats until someone fixes the configuration, the token or its
// permissions: 400, 401, 403, 404, and any other 4xx but a request timeout (408) or a 429.
func (e *StatusError) Refused() bool {
	switch e.StatusCode {
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return e.StatusCode >= 400 && e.StatusCode < 500
}

// AsStatusError returns the StatusError inside err, if any.
func AsStatusError(err error) (*StatusError, bool) {
	var se *StatusError
	ok := errors.As(err, &se)
	return se, ok
}

// ErrBodyTooLarge is returned when a page exceeds the configured size cap.
var ErrBodyTooLarge = errors.New("response body exceeds the size cap")

// ParseRetryAfter reads a Retry-After header in either of its forms: seconds or an HTTP date.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// ReasonOf is the start of an error body, trimmed, as a refusal's explanation for logs.
func ReasonOf(body []byte) string {
	if len(body) > MaxReasonBytes {
		body = body[:MaxReasonBytes]
	}
	return strings.TrimSpace(string(body))
}

// Secrets lists what Mask must remove of a request's credentials: the API token the client holds,
// and the credentials of the Authorization header req carried, whoever set them (Basic auth or
// an authenticator extension). req is the request as the transport sent it (an
// *http.Response's Request), or nil.
func Secrets(req *http.Request, token string) []string {
	var out []string
	if token != "" {
		out = append(out, token)
	}
	if req == nil {
		return out
	}
	for _, value := range req.Header.Values("Authorization") {
		// The scheme ("Basic", "Bearer") is no secret; what follows it is.
		if _, credentials, ok := strings.Cut(value, " "); ok {
			value = strings.TrimSpace(credentials)
		}
		out = append(out, value)
	}
	return out
}

// minMaskedPrefix is the shortest start of a secret that Mask removes from the end of a reason.
const minMaskedPrefix = 8

// Mask removes secrets from reason, an API's or a proxy's own words, before it is logged: an
// answer that echoes the request's credentials must not put them in the collector's logs. Each
// secret goes as written, JSON-escaped and URL-encoded, and so does the start of one that the read
// limit cut off at the end of reason.
func Mask(reason string, secrets []string) string {
	for _, secret := range secrets {
		for _, form := range forms(secret) {
			reason = strings.ReplaceAll(reason, form, "[masked]")
			for n := min(len(form)-1, len(reason)); n >= minMaskedPrefix; n-- {
				if strings.HasSuffix(reason, form[:n]) {
					reason = reason[:len(reason)-n] + "[masked]"
					break
				}
			}
		}
	}
	return reason
}

// forms lists how an answer may spell secret: as is, with "/" JSON-escaped as some encoders do,
// with "+", "/" and "=" as JSON \u escapes, and URL-encoded. Short secrets (under
// minMaskedPrefix) are masked only as written.
func forms(secret string) []string {
	if secret == "" {
		return nil
	}
	out := []string{secret}
	if len(secret) < minMaskedPrefix {
		return out
	}
	for _, form := range []string{
		strings.ReplaceAll(secret, "/", `\/`),
		strings.NewReplacer("+", `\u002b`, "/", `\u002f`, "=", `\u003d`).Replace(secret),
		strings.NewReplacer("+", `\u002B`, "/", `\u002F`, "=", `\u003D`).Replace(secret),
		url.QueryEscape(secret),
	} {
		if !slices.Contains(out, form) {
			out = append(out, form)
		}
	}
	return out
}

// BadBodyError is a 200 whose body could not be used (truncated, not JSON, not the expected
// shape): the API answered, and the same request is worth retrying.
type BadBodyError struct{ Err error }

func (e *BadBodyError) Error() string { return "unusable answer: " + e.Err.Error() }
func (e *BadBodyError) Unwrap() error { return e.Err }

// StatusCode is the HTTP status of the answer behind err: 200 for nil or a BadBodyError, the
// status of a StatusError, and 0 when no answer arrived (timeout, reset, refused connection).
func StatusCode(err error) int {
	if err == nil {
		return http.StatusOK
	}
	if se, ok := AsStatusError(err); ok {
		return se.StatusCode
	}
	var bad *BadBodyError
	if errors.As(err, &bad) {
		return http.StatusOK
	}
	return 0
}
