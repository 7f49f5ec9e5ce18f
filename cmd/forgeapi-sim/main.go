// Command forgeapi-sim serves simulated Atlassian Forge App logs, App metrics and App resource
// usage APIs, and the environment list of the Forge CLI, on loopback, for trying the collector
// without an Atlassian account and for testing it under faults.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/forgesim"
)

func main() {
	cfg := forgesim.DefaultConfig()
	addr := flag.String("addr", "127.0.0.1:8089", "listen address")
	apps := flag.String("apps", "sim-app:sim-env", "apps and their environments: app1:env1,env2;app2:env3")
	backlog := flag.Duration("backlog", 24*time.Hour, "how far back records, metric points and usage periods start")
	flag.StringVar(&cfg.Email, "email", cfg.Email, "Basic auth user")
	flag.StringVar(&cfg.Token, "token", cfg.Token, "Basic auth API token")
	flag.Float64Var(&cfg.RecordsPerSecond, "rate", cfg.RecordsPerSecond, "records per second per environment")
	flag.IntVar(&cfg.PageSize, "page-size", cfg.PageSize, "records per page")
	flag.IntVar(&cfg.RequestsPerMinute, "rpm", cfg.RequestsPerMinute, "logs requests per minute per app before 429; 0 for no limit")
	flag.IntVar(&cfg.MetricsRequestsPerMinute, "metrics-rpm", cfg.MetricsRequestsPerMinute, "metrics requests per minute per account before 429; 0 for no limit")
	flag.Float64Var(&cfg.LateShare, "late-share", cfg.LateShare, "share of log records (0 to 1) served -lateness after their timestamp rather than at once")
	flag.DurationVar(&cfg.Lateness, "lateness", cfg.Lateness, "how long after its timestamp a late log record is first served")
	flag.IntVar(&cfg.UsageRequestsPerMinute, "usage-rpm", cfg.UsageRequestsPerMinute, "resource usage requests per minute per account before 429; 0 for no limit")
	flag.IntVar(&cfg.UsagePageSize, "usage-page-size", cfg.UsagePageSize, "resource usage entries per page")
	accounts := flag.String("accounts", "", "further accounts accepted by both APIs: email1:token1,email2:token2")
	// The fault flags apply to both APIs.
	flag.Float64Var(&cfg.Faults.ServerErrorRate, "fail-rate", 0, "share of requests answered 500")
	flag.Float64Var(&cfg.Faults.ThrottleRate, "throttle-rate", 0, "share of requests answered 429 with Retry-After")
	flag.Float64Var(&cfg.Faults.ThrottleNoRetryAfterRate, "throttle-bare-rate", 0, "share of requests answered 429 without Retry-After")
	flag.Float64Var(&cfg.Faults.TruncateRate, "truncate-rate", 0, "share of 200 answers whose body is cut in half")
	flag.Float64Var(&cfg.Faults.NotAPageRate, "not-a-page-rate", 0, "share of logs API 200 answers whose body is JSON but no page")
	flag.Float64Var(&cfg.Faults.ResetRate, "reset-rate", 0, "share of requests whose connection is closed without answer")
	flag.Float64Var(&cfg.Faults.StallRate, "stall-rate", 0, "share of requests that stall for -stall first")
	flag.DurationVar(&cfg.Faults.Stall, "stall", time.Minute, "how long a stalled request waits")
	flag.DurationVar(&cfg.Faults.Latency, "latency", 0, "latency added to every answer")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the fault dice")
	flag.BoolVar(&cfg.Control, "control", false, "serve /_sim/environments: POST app=..&id=..&type=.. adds an environment, DELETE app=..&id=.. removes one")
	flag.Parse()

	parsed, err := parseApps(*apps)
	if err != nil {
		log.Fatalf("-apps: %v", err)
	}
	cfg.Apps = parsed
	if cfg.Accounts, err = parseAccounts(*accounts); err != nil {
		log.Fatalf("-accounts: %v", err)
	}
	cfg.Origin = time.Now().Add(-*backlog)

	srv := &http.Server{Addr: *addr, Handler: forgesim.New(cfg), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Printf("Forge API simulator on http://%s: logs at /v1/app/logs/{appId}, metrics, resource usage and environments at POST /graphql (user %s); apps %s", *addr, cfg.Email, *apps)
	log.Printf("Rotate a token while it runs: curl -d email=%s -d token=NEW http://%s/_sim/token (the old one is refused from then on)", cfg.Email, *addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

func parseApps(spec string) (map[string][]string, error) {
	apps := map[string][]string{}
	for _, part := range strings.Split(spec, ";") {
		app, envs, ok := strings.Cut(part, ":")
		if !ok || app == "" || envs == "" {
			return nil, fmt.Errorf("want app:env1,env2, got %q", part)
		}
		apps[app] = append(apps[app], strings.Split(envs, ",")...)
	}
	return apps, nil
}

func parseAccounts(spec string) (map[string]string, error) {
	if spec == "" {
		return nil, nil
	}
	accounts := map[string]string{}
	for _, part := range strings.Split(spec, ",") {
		email, token, ok := strings.Cut(part, ":")
		if !ok || email == "" || token == "" {
			return nil, fmt.Errorf("want email:token, got %q", part)
		}
		accounts[email] = token
	}
	return accounts, nil
}
