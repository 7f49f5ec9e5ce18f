#!/usr/bin/env bash
# Go benchmarks of the receiver, with the ratio of page decoding to the sidecar baseline
# (plog.JSONUnmarshaler on the same page wrapped as resourceLogs), taken from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}

out=$(go test -run '^$' -bench 'BenchmarkDecodePage' -benchmem -count "$COUNT" ./receiver/forgelogsreceiver/internal/forgeapi/)
echo "$out"
echo "$out" | awk '
  /^BenchmarkDecodePage\// {
    split($1, name, "/"); sub(/-[0-9]+$/, "", name[2])
    n[name[2]]++; ns[name[2], n[name[2]]] = $3
  }
  function median(k,   i, j, t, a, c) {
    c = n[k]; for (i = 1; i <= c; i++) a[i] = ns[k, i]
    for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  END {
    d = median("forgeapi.Decode"); b = median("baseline-plog.JSONUnmarshaler")
    printf "\nmedian ns per 1,000-record page: forgeapi.Decode %.0f, baseline %.0f\n", d, b
    printf "decode throughput / baseline throughput: %.2fx (goal: at least 2x)\n\n", b / d
  }'

go test -run '^$' -bench 'BenchmarkStreamWindow' -benchtime 3x ./receiver/forgelogsreceiver/
go test -run '^$' -bench 'BenchmarkSaveLoad' -benchmem ./receiver/forgelogsreceiver/internal/checkpoint/
