#!/usr/bin/env bash
# Report benchmark: `pmsreview report` end to end on the shipped data (every
# section, the workbook and the 14 gnuplot charts in PNG, SVG and PDF), and
# the same without charts (`charts = no`) to show what gnuplot adds; with a
# second build (OLD_BUILD_DIR) the same two for it, every variant run once
# per round, rounds interleaved, so before/after ratios are fair on a busy
# machine.  Medians of RUNS rounds of wall time and of CPU time (user + sys,
# gnuplot included: what the work costs whatever else runs), and the default
# once more without the module that makes gnuplot's PNGs and PDFs cheaper to write
# (plots/preload/png_level.c), to show what it saves.  There is no R
# or SciPy counterpart of the whole report, so no peer ratio is printed.
# Usage: bench_report.sh BUILD_DIR [RUNS] [OLD_BUILD_DIR]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}; OLD=${3:-}
cd "$(dirname "$0")/.."
B=$(cd "$B" && pwd)
[ -n "$OLD" ] && OLD=$(cd "$OLD" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The default config with charts off: the same paths, made absolute.
sed -e 's/^charts = yes/charts = no/' \
    -e "s|= nhs-payments/|= $PWD/datasets/nhs-payments/|" \
    -e "s|= practice-|= $PWD/datasets/practice-|" \
    -e "s|= pms-review|= $PWD/datasets/pms-review|" datasets/default-report.ini >"$T/nocharts.ini"
median() { sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
one() { # tag, build dir, extra args...: one timed run appended to $T/tag
  local tag=$1 b=$2; shift 2
  rm -rf "$T/rep"
  local s e
  s=$(date +%s.%N)
  /usr/bin/time -o "$T/cpu" -f '%U %S' "$b/pmsreview" report --out "$T/rep" "$@" >/dev/null
  e=$(date +%s.%N)
  echo "$(awk -v a="$s" -v b="$e" 'BEGIN{printf "%.3f", b-a}') $(awk '{print $1 + $2}' "$T/cpu")" >>"$T/$tag"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq "$RUNS"); do
  one with "$B"
  one without "$B" --config "$T/nocharts.ini"
  PMS_GNUPLOT_PNG_PRELOAD= one plainpng "$B"
  if [ -n "$OLD" ]; then
    one oldwith "$OLD"
    one oldwithout "$OLD" --config "$T/nocharts.ini"
  fi
done
show() { # tag, label
  echo "$2: median $(cut -d' ' -f1 "$T/$1" | median) s wall, $(cut -d' ' -f2 "$T/$1" | median) s CPU ($RUNS runs, $(nproc) cores)"
}
show with "pmsreview report (default, 14 charts)"
show without "pmsreview report (charts = no)"
show plainpng "pmsreview report (14 charts, gnuplot's PNGs and PDFs as cairo writes them: PMS_GNUPLOT_PNG_PRELOAD empty)"
if [ -n "$OLD" ]; then
  show oldwith "old build: report (default, 14 charts)"
  show oldwithout "old build: report (charts = no)"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
