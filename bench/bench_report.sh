#!/usr/bin/env bash
# Report benchmark: `pmsreview report` end to end on the shipped data (every
# section, the workbook and the 8 gnuplot charts in PNG, SVG and PDF), with
# hyperfine when installed (else a timing loop), and the same without charts
# (`charts = no`) to show what gnuplot costs.  Medians of RUNS runs.  There is
# no R or SciPy counterpart of the whole report, so no ratio is printed.
# Usage: bench_report.sh BUILD_DIR [RUNS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}
cd "$(dirname "$0")/.."
B=$(cd "$B" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The default config with charts off: the same paths, made absolute.
sed -e 's/^charts = yes/charts = no/' \
    -e "s|= nhs-payments/|= $PWD/datasets/nhs-payments/|" \
    -e "s|= practice-|= $PWD/datasets/practice-|" \
    -e "s|= pms-review|= $PWD/datasets/pms-review|" datasets/default-report.ini >"$T/nocharts.ini"
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
bench() { # name, command...
  local name=$1; shift
  if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" --export-json "$T/h.json" "$(printf "%q " "$@")" >/dev/null 2>&1
    m=$(/usr/bin/python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$T/h.json")
  else
    : >"$T/cpu"
    m=$(for _ in $(seq "$RUNS"); do
          s=$(date +%s.%N); /usr/bin/time -a -o "$T/cpu" -f '%U %S' "$@" >/dev/null; e=$(date +%s.%N)
          awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f\n", b-a}'
        done | median)
    # CPU seconds (user + system, gnuplot included): what the work costs
    # whatever else the machine is doing.
    cpu=$(awk '{print $1 + $2}' "$T/cpu" | median)
  fi
  echo "$name: median $m s wall${cpu:+, $cpu s CPU} ($RUNS runs, $(nproc) cores)"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# hyperfine or the loop replace --out's folder each run: remove it first so
# that every run writes a fresh one.
bench "pmsreview report (default, charts included)" bash -c "rm -rf '$T/rep'; exec '$B/pmsreview' report --out '$T/rep'"
with=$m
bench "pmsreview report (charts = no)" bash -c "rm -rf '$T/rep2'; exec '$B/pmsreview' report --config '$T/nocharts.ini' --out '$T/rep2'"
echo "the 8 charts (PNG, SVG, PDF each) add $(awk -v a="$with" -v b="$m" 'BEGIN{printf "%.3f s (%.2fx the time without)", a-b, a/b}')"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
