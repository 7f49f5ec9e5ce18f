// Package wire makes sure that every request that reaches the API went through the receiver:
// it stops net/http from re-sending a request on its own, and counts what was really written.
package wire // import "github.com/forgelogs/otelcol-forge/internal/wire"

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

// NoReplay keeps net/http from sending req again by itself. Go's transport silently re-sends an
// idempotent request (a GET, or any request with GetBody) when a reused keep-alive connection
// closes before the answer; the API still counted the first one against its rate limit, so the
// receiver must decide about the retry and charge its budget. A request with a body and no
// GetBody is not replayable; an empty GET body is dropped before the request is written.
func NoReplay(req *http.Request) {
	req.GetBody = nil
	if req.Body == nil || req.Body == http.NoBody {
		req.Body = emptyBody{}
	}
}

type emptyBody struct{}

func (emptyBody) Read([]byte) (int, error) { return 0, io.EOF }
func (emptyBody) Close() error             { return nil }

// Counter counts the requests written to the network under one context.
type Counter struct{ written atomic.Int64 }

// Written returns how many requests were written completely.
func (c *Counter) Written() int { return int(c.written.Load()) }

// Count returns a context under which every request that net/http writes, including any re-send
// it makes on its own, is counted in the returned Counter, and answered is called when the first
// byte of an answer arrives: by then the request has reached the API.
func Count(ctx context.Context, answered func()) (context.Context, *Counter) {
	c := &Counter{}
	trace := &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				c.written.Add(1)
			}
		},
		GotFirstResponseByte: answered,
	}
	return httptrace.WithClientTrace(ctx, trace), c
}
