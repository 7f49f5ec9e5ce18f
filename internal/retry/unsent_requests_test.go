package retry

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// api_requests counts what reached the API. An attempt whose wait for the budget ended with
// shutdown never left: it is not counted.
func TestCallDoesNotCountAnAttemptCancelledWhileWaitingForTheBudget(t *testing.T) {
	f := newFixture(1)
	api := newScriptedAPI(t, f.clock)
	require.NoError(t, f.do(t, api)) // the budget's one request of the minute
	ctx, cancel := context.WithCancel(context.Background())
	f.clock.StopAt(epoch.Add(10*time.Second), cancel)
	err := f.caller.Do(ctx, get(api.Client(), api.URL), nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, []int{200}, f.observer.statuses, "the cancelled attempt is not counted")
	assert.Len(t, api.gaps(), 0, "and the API saw one request")
}

// An attempt that fails before its request is written (here the connection is refused) never
// reached the API: it is retried, but not counted, under any status.
func TestCallDoesNotCountARequestThatWasNeverSent(t *testing.T) {
	f := newFixture(30)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	url := "http://" + ln.Addr().String() + "/"
	require.NoError(t, ln.Close()) // nothing listens there any more: every dial is refused
	ctx, cancel := context.WithCancel(context.Background())
	f.clock.StopAt(epoch.Add(5*time.Minute), cancel)
	err = f.caller.Do(ctx, get(&http.Client{}, url), nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Positive(t, f.logs.FilterMessageSnippet("Request failed; retrying").Len(), "the refused connections were retried")
	assert.Empty(t, f.observer.statuses, "no request reached the API")
}
