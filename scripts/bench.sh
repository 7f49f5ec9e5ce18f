#!/usr/bin/env bash
# Go benchmarks of the receiver, with the ratio of page decoding to the sidecar baseline
# (plog.JSONUnmarshaler on the same page wrapped as resourceLogs), taken from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}

# -cpu 1 keeps the garbage collector on the benchmark's own thread, so ns/op is the CPU a page
# costs; -cpu 2 is wall time with the collector running beside it. Both ratios are printed.
out=$(go test -run '^$' -bench 'BenchmarkDecodePage' -benchmem -cpu 1,2 -count "$COUNT" ./receiver/forgelogsreceiver/internal/logsapi/)
echo "$out"
echo "$out" | awk '
  /^BenchmarkDecodePage\// {
    split($1, name, "/"); procs = 1
    if (match(name[2], /-[0-9]+$/)) { procs = substr(name[2], RSTART + 1); name[2] = substr(name[2], 1, RSTART - 1) }
    key = name[2] SUBSEP procs; cpus[procs] = 1
    n[key]++; ns[key, n[key]] = $3
  }
  function median(k,   i, j, t, a, c) {
    c = n[k]; for (i = 1; i <= c; i++) a[i] = ns[k, i]
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  END {
    print ""
    for (p in cpus) {
      d = median("logsapi.Decode" SUBSEP p); b = median("baseline-plog.JSONUnmarshaler" SUBSEP p)
      printf "GOMAXPROCS=%s: median ns per 1,000-record page: logsapi.Decode %.0f, baseline %.0f: %.2fx the throughput (goal: at least 2x)\n", p, d, b, b / d
    }
    print ""
  }'

go test -run '^$' -bench 'BenchmarkStreamWindow' -benchtime 3x ./receiver/forgelogsreceiver/
go test -run '^$' -bench 'BenchmarkSaveLoad' -benchmem ./internal/checkpoint/
