#!/usr/bin/env bash
# Starts the collector with otelcol-config.yaml. Without FORGE_* variables it polls the bundled
# simulator, started here on loopback; with them it polls the real API.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/forge

if [[ -z "${FORGE_ENDPOINT:-}" ]]; then
  # One record in ten reaches the simulated API 3 minutes late, as ingestion can lag: the second
  # reading (late_arrival) finds them, counted in otelcol_forgelogs_late_records.
  ./bin/forgeapi-sim -addr 127.0.0.1:8089 -late-share 0.1 -lateness 3m &
  sim=$!
  trap 'kill $sim 2>/dev/null || true' EXIT
  # Records show up within seconds: the config's initial_lookback starts both receivers ten and
  # thirty minutes back, so there is a backlog to read at once.
  echo "Simulator started; the collector prints Forge records below (debug exporter)."
fi
./bin/otelcol-forge --config otelcol-config.yaml
