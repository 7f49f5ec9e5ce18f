#!/usr/bin/env bash
# Starts the collector with otelcol-config.yaml. Without FORGE_* variables it polls the bundled
# simulator, started here on loopback; with them it polls the real API.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/forge

args=(--config otelcol-config.yaml)
if [[ -n "${FORGE_ENV_ID:-}" ]]; then
  # One environment given by id: the receivers poll it as listed, instead of discovering the app's.
  for receiver in forgelogs forgemetrics forgeusage; do
    args+=(--config "yaml:receivers::${receiver}::apps: [{app_id: '${FORGE_APP_ID:-sim-app}', environments: [{id: '${FORGE_ENV_ID}', name: '${FORGE_ENV_NAME:-production}'}]}]")
  done
fi

if [[ -z "${FORGE_ENDPOINT:-}" ]]; then
  # One record in ten reaches the simulated API 3 minutes late, as ingestion can lag: the second
  # reading (late_arrival) finds them, counted in otelcol_forgelogs_late_records.
  # -control lets you create an environment while it runs; the receivers find it within a minute:
  #   curl -X POST 'http://127.0.0.1:8089/_sim/environments?app=sim-app&id=staging-env&type=STAGING'
  ./bin/forgeapi-sim -addr 127.0.0.1:8089 -apps 'sim-app:production-env' -control -late-share 0.1 -lateness 3m &
  sim=$!
  trap 'kill $sim 2>/dev/null || true' EXIT
  # Records show up within seconds: the config's initial_lookback starts the logs, metrics and
  # usage receivers ten minutes, thirty minutes and two hours back, so there is a backlog to read
  # at once (usage: the last two complete hours, a metric per resource named forgeusage_*).
  echo "Simulator started; the collector prints Forge records, metrics and resource usage below (debug exporter)."
fi
./bin/otelcol-forge "${args[@]}"
