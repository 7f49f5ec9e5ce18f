package logsapi

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary bodies to the decoder: it must never panic, every entry of a page it
// accepts is delivered or counted, and it agrees with the reference decoder.
func FuzzDecode(f *testing.F) {
	pages, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.json"))
	for _, p := range pages {
		body, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := NewDecoder(testResource, testScope).Decode(body, testObserved, nil)
		if err == nil {
			if got := page.Logs.LogRecordCount() + page.Drops.Undecodable; got != page.Records {
				t.Fatalf("%d records delivered or dropped, page has %d", got, page.Records)
			}
		}
		requireSameAsReference(t, body)
	})
}

// FuzzQueryURL checks that any ids, filters and cursor survive the trip through the URL intact.
func FuzzQueryURL(f *testing.F) {
	f.Add("0a1b2c3d", "7e8f", "WARN", "timeout", "ari:cloud:jira::site/4eecb4e0", "someString")
	f.Add("a/b?c", "e&v=1", "", "100% #1", "x y", "eyJuIjo1fQ==")
	base, _ := url.Parse("https://api.atlassian.com")
	start := time.Date(2024, 2, 13, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, app, env, level, message, site, cursor string) {
		q := Query{AppID: app, EnvironmentID: env, Message: message, Start: start, End: start.Add(time.Hour)}
		if level != "" {
			q.Levels = []string{level}
		}
		if site != "" {
			q.InstallationContexts = []string{site}
		}
		u, err := url.Parse(q.URL(base, cursor))
		if err != nil {
			t.Fatalf("unparsable URL: %v", err)
		}
		values := u.Query()
		if u.Path != "/v1/app/logs/"+app {
			t.Fatalf("path %q lost the app id %q", u.Path, app)
		}
		check := func(key, want string) {
			if got := values.Get(key); got != want {
				t.Fatalf("%s: got %q, want %q", key, got, want)
			}
		}
		check("environmentId", env)
		check("startDate", "2024-02-13T09:00:00.000Z")
		check("message", message)
		check("cursor", cursor)
		check("level", level)
		check("installationContext", site)
	})
}
