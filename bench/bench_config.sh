#!/usr/bin/env bash
# Settings-file reader benchmark (issue 11): a scenarios file of N scenarios
# (4 keys each) whose last line is bad, so the reader must look at every key
# and then reject the file: (a) the last line repeats a key (io/config), (b)
# the last section has an unknown key (io/scenario).  The old readers
# compared each key with every earlier one and each scenario with every
# entry (O(n^2): 5.6 s for (b) with 10,000 scenarios here, 9.5 s in the
# issue); keys are now hashed and a section's entries read in one pass.
# Prints the median of RUNS runs for N = 2,500, 10,000 and 40,000.
# Usage: bench_config.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-3}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for bad in key section; do
for n in 2500 10000 40000; do
  awk -v n="$n" -v bad="$bad" 'BEGIN {
    print "[model]\nbase_year = 2014/15"
    for (i = 1; i <= n; i++) printf "[s%d]\nstart_year = 2015/16\nyears = 2\nmethod = none\n", i
    if (bad == "key") printf "years = 3\n"; else printf "[bad]\nfoo = 1\n" }' >"$tmp/sc.ini"
  ts=()
  for _ in $(seq "$RUNS"); do
    s=$(date +%s.%N)
    "$B/pmsreview" savings --scenarios "$tmp/sc.ini" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    ts+=("$(awk -v a="$s" -v b="$e" 'BEGIN{print b-a}')")
  done
  med=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  echo "savings --scenarios: $n scenarios, bad $bad on the last line: median ${med} s"
done
done
