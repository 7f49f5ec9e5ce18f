// Package logsapi talks to the Atlassian Forge App logs API: it builds requests, maps answers to
// typed errors and decodes pages straight into pdata.
package logsapi // import "github.com/forgelogs/otelcol-forge/receiver/forgelogsreceiver/internal/logsapi"

import (
	"net/url"
	"strings"
	"time"
)

// DateLayout is the API's date format, yyyy-MM-dd'T'HH:mm:ss.SSS'Z', always in UTC.
const DateLayout = "2006-01-02T15:04:05.000Z"

// MaxInstallationContexts is the most site ids the API accepts in one request.
const MaxInstallationContexts = 50

// Query selects the records of one window of one stream.
type Query struct {
	AppID                string
	EnvironmentID        string
	Levels               []string
	Message              string
	InstallationContexts []string
	Start, End           time.Time
}

// URL builds the request URL of q under the API base endpoint, following cursor when it is set.
func (q Query) URL(base *url.URL, cursor string) string {
	u := *base
	// The app id is one path segment, escaped on its own; RawPath carries that escaping.
	u.Path = strings.TrimSuffix(base.Path, "/") + "/v1/app/logs/" + q.AppID
	u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + "/v1/app/logs/" + url.PathEscape(q.AppID)
	values := url.Values{}
	values.Set("environmentId", q.EnvironmentID)
	values.Set("startDate", FormatDate(q.Start))
	values.Set("endDate", FormatDate(q.End))
	for _, level := range q.Levels {
		values.Add("level", level)
	}
	if q.Message != "" {
		values.Set("message", q.Message)
	}
	for _, site := range q.InstallationContexts {
		values.Add("installationContext", site)
	}
	if cursor != "" {
		values.Set("cursor", cursor)
	}
	u.RawQuery = values.Encode()
	return u.String()
}

// FormatDate renders t the way the API expects. Times are truncated to the millisecond, the
// API's precision, so a window's bounds are exactly what was asked for.
func FormatDate(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(DateLayout)
}
