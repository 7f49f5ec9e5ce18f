package forgesim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func logsStatus(t *testing.T, srv *httptest.Server, user, token string) int {
	t.Helper()
	q := url.Values{"environmentId": {"env"}, "startDate": {now.Add(-time.Hour).Format(dateLayout)}, "endDate": {now.Format(dateLayout)}}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/app/logs/app?"+q.Encode(), nil)
	require.NoError(t, err)
	req.SetBasicAuth(user, token)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func setToken(t *testing.T, srv *httptest.Server, form url.Values) int {
	t.Helper()
	resp, err := srv.Client().PostForm(srv.URL+"/_sim/token", form)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// A token replaced at run time is refused by both APIs from then on, and the new one accepted;
// other accounts keep theirs.
func TestSetTokenRefusesTheOldToken(t *testing.T) {
	_, srv := newTestServer(t, Config{Accounts: map[string]string{"other@example.com": "other-tok"}})
	require.Equal(t, http.StatusOK, logsStatus(t, srv, "u@example.com", "tok"))

	assert.Equal(t, http.StatusNoContent, setToken(t, srv, url.Values{"email": {"u@example.com"}, "token": {"tok-2"}}))
	assert.Equal(t, http.StatusUnauthorized, logsStatus(t, srv, "u@example.com", "tok"), "the old token is refused")
	assert.Equal(t, http.StatusOK, logsStatus(t, srv, "u@example.com", "tok-2"))
	assert.Equal(t, http.StatusOK, logsStatus(t, srv, "other@example.com", "other-tok"), "other accounts keep their tokens")

	_, metrics, _ := newMetricsServer(t, Config{})
	require.Equal(t, http.StatusOK, post(t, metrics, metricsCall{}).status)
	require.Equal(t, http.StatusNoContent, setToken(t, metrics, url.Values{"email": {"u@example.com"}, "token": {"tok-2"}}))
	status, errorType := post(t, metrics, metricsCall{}).queryError(t)
	assert.Equal(t, http.StatusUnauthorized, status, "the metrics API refuses the old token too")
	assert.Equal(t, "UNAUTHENTICATED", errorType)
	status, _ = post(t, metrics, metricsCall{user: "u@example.com", pass: "tok-2"}).queryError(t)
	assert.Zero(t, status, "the new token is answered with data")
}

func TestSetTokenControlRefusesIncompleteRequests(t *testing.T) {
	_, srv := newTestServer(t, Config{})
	assert.Equal(t, http.StatusBadRequest, setToken(t, srv, url.Values{"email": {"u@example.com"}}))
	assert.Equal(t, http.StatusBadRequest, setToken(t, srv, url.Values{"token": {"x"}}))
	resp, err := srv.Client().Get(srv.URL + "/_sim/token")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, http.StatusOK, logsStatus(t, srv, "u@example.com", "tok"), "nothing changed")
	resp, err = srv.Client().Post(srv.URL+"/_sim/token", "application/x-www-form-urlencoded", strings.NewReader("email=u%40example.com&token=t3"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, logsStatus(t, srv, "u@example.com", "t3"))
}
