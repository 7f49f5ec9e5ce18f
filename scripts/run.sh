#!/usr/bin/env bash
# Starts the collector with otelcol-config.yaml. Without FORGE_* variables it polls the bundled
# simulator, started here on loopback; with them it polls the real API.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/forge

if [[ -z "${FORGE_ENDPOINT:-}" ]]; then
  ./bin/forgeapi-sim -addr 127.0.0.1:8089 &
  sim=$!
  trap 'kill $sim 2>/dev/null || true' EXIT
  # Records show up within seconds: the config's initial_lookback starts the logs, metrics and
  # usage receivers ten minutes, thirty minutes and two hours back, so there is a backlog to read
  # at once (usage: the last two complete hours, a metric per resource named forgeusage_*).
  echo "Simulator started; the collector prints Forge records, metrics and resource usage below (debug exporter)."
fi
./bin/otelcol-forge --config otelcol-config.yaml
