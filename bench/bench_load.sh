#!/usr/bin/env bash
# Loader benchmark, each figure beside its peer from the same run:
#  1. the real 2014/15 payments file joined to practice IMD (pmsreview only);
#  2. a generated file of ROWS rows (default 2,000,000) in the real 53-column
#     2014/15 layout (bench/gen_payments_2014.awk, 0.66 GB, read once first so
#     that it is in the page cache), read by `pmsreview check`,
#     `bench_load -l` (pms_table_load alone, no derived measures), bench_load
#     (pms_dataset_open: load and derived measures, what check does before
#     printing; with PMS_OLD_BENCH_LOAD=path, an older build's bench_load too),
#     data.table::fread and pandas.read_csv, interleaved round by round;
#  3. in the same rounds, the two costs any load of that file pays whatever
#     its parser does (bench_floor): the SHA-256 of the mapped file, and the
#     kernel's faults, zeroing and unmapping of fresh memory the size of
#     `check`'s peak (the table); set against the CPU time that 500 MB/s per
#     core allows (issue 15), what is left for checking, splitting and typing.
# Each run is measured by /usr/bin/time: wall, CPU (user + system) and peak
# resident memory; medians of RUNS rounds.  The machine is shared, so CPU
# time is the figure to compare ("MB/s per core" = file size / CPU seconds);
# the interpreters' start-up (R with data.table loaded, Python with pandas
# imported) is measured the same way and subtracted for the "net" figures.
# The machine's load average is printed before and after.
# Usage: bench_load.sh BUILD_DIR [RUNS] [ROWS]
set -euo pipefail
B=${1:-build}; RUNS=${2:-5}; ROWS=${3:-2000000}
cd "$(dirname "$0")/.."
B=$(cd "$B" && pwd)
P14=datasets/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=datasets/practice-imd/practice-imd-fingertips-93553.csv
big=${PMS_BENCH_TMP:-/tmp}/pmsreview-2014-layout-$ROWS.csv
[ -s "$big" ] || awk -v n="$ROWS" -f bench/gen_payments_2014.awk "$P14" >"$big"
cat "$big" >/dev/null
PY=/usr/bin/python3
MB=$(awk -v b="$(stat -c %s "$big")" 'BEGIN{printf "%.1f", b/1e6}')
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/bench_load" "$P14" "$RUNS" "$IMD"

have_fread=0; have_pandas=0
Rscript -e 'suppressPackageStartupMessages(library(data.table))' >/dev/null 2>&1 && have_fread=1
$PY -c 'import pandas' >/dev/null 2>&1 && have_pandas=1
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# One measured run: appends "wall cpu peak_kb" to $T/$1.
run() {
  local tag=$1; shift
  /usr/bin/time -o "$T/t" -f '%e %U %S %M' "$@" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; return 1; }
  awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$T/t" >>"$T/$tag"
}
RLIB='suppressPackageStartupMessages(library(data.table))'
for _ in $(seq "$RUNS"); do
  run check "$B/pmsreview" check --data "$big"
  run table "$B/bench_load" -l "$big" 1
  run dataset "$B/bench_load" "$big" 1
  run sha "$B/bench_floor" sha "$big"
  # (The table's size: the peak of this round's check, in MB.)
  run touch "$B/bench_floor" touch "$(awk '{m = $3} END{printf "%.0f", m * 1024 / 1e6}' "$T/check")"
  # Before/after in the same rounds: PMS_OLD_BENCH_LOAD=an older build's bench_load.
  [ -z "${PMS_OLD_BENCH_LOAD:-}" ] || run old "$PMS_OLD_BENCH_LOAD" "$big" 1
  if [ $have_fread = 1 ]; then
    run fread Rscript --vanilla -e "$RLIB; invisible(fread('$big', nThread = $(nproc)))"
    run r0 Rscript --vanilla -e "$RLIB"
  fi
  if [ $have_pandas = 1 ]; then
    run pandas $PY -c 'import pandas as pd, sys; pd.read_csv(sys.argv[1], encoding="utf-8-sig")' "$big"
    run py0 $PY -c 'import pandas'
  fi
done
med() { awk -v k="$2" '{print $k}' "$T/$1" | sort -g | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "generated file: $ROWS rows x 53 columns, $MB MB; medians of $RUNS rounds"
printf '%-34s %8s %8s %10s %9s %12s\n' reader wall_s cpu_s MB/s/core peak_MB peak/file
# (MB = 10^6 bytes throughout; /usr/bin/time's %M is in KiB.)
line() { # tag label [startup-tag]
  local w c m net=""
  w=$(med "$1" 1); c=$(med "$1" 2); m=$(med "$1" 3)
  if [ -n "${3:-}" ]; then c=$(awk -v a="$c" -v b="$(med "$3" 2)" 'BEGIN{printf "%.2f", a - b}'); net=" (net)"; fi
  printf '%-34s %8s %8s %10.0f %9.0f %12.2f\n' "$2$net" "$w" "$c" "$(awk -v m="$MB" -v c="$c" 'BEGIN{print m/c}')" \
    "$(awk -v m="$m" 'BEGIN{print m*1024/1e6}')" "$(awk -v m="$m" -v f="$MB" 'BEGIN{print m*1024/1e6/f}')"
  echo "$c" >"$T/cpu_$1"
}
line check "pmsreview check"
line table "pms_table_load (bench_load -l)"
line dataset "pms_dataset_open (bench_load)"
[ -z "${PMS_OLD_BENCH_LOAD:-}" ] || line old "pms_dataset_open, older build"
floors() {
  local sha touch peak budget left
  sha=$(med sha 2); touch=$(med touch 2); peak=$(med check 3)
  budget=$(awk -v m="$MB" 'BEGIN{printf "%.2f", m / 500}')
  left=$(awk -v b="$budget" -v s="$sha" -v t="$touch" 'BEGIN{printf "%.2f", b - s - t}')
  echo "floors, the same rounds (CPU s; any loader pays them, whatever its parser):"
  printf '  %-58s %6s\n' "SHA-256 of the mapped file (bench_floor sha)" "$sha" \
    "fresh memory of check's peak, $(awk -v m="$peak" 'BEGIN{printf "%.0f", m*1024/1e6}') MB (bench_floor touch)" "$touch" \
    "both" "$(awk -v s="$sha" -v t="$touch" 'BEGIN{printf "%.2f", s + t}')" \
    "CPU time that 500 MB/s per core allows" "$budget"
  echo "  left for checking, splitting and typing at 500 MB/s: $left CPU s" \
    "($(awk -v l="$left" -v r="$ROWS" 'BEGIN{printf "%.1f", l * 1e9 / (r * 53)}') ns a cell);" \
    "pmsreview check spends $(awk -v c="$(med check 2)" -v s="$sha" -v t="$touch" 'BEGIN{printf "%.2f", c - s - t}') CPU s on them"
}
floors
if [ $have_fread = 1 ]; then
  line fread "data.table::fread, $(nproc) threads"
  line fread "data.table::fread, $(nproc) threads" r0
  echo "  fread/pmsreview check CPU ratio (net): $(awk -v a="$(cat "$T/cpu_fread")" -v b="$(cat "$T/cpu_check")" 'BEGIN{printf "%.1f", a/b}')"
else
  echo "data.table::fread: not installed (apt-get install r-cran-data.table)"
fi
if [ $have_pandas = 1 ]; then
  line pandas "pandas.read_csv"
  line pandas "pandas.read_csv" py0
  echo "  pandas/pmsreview check CPU ratio (net): $(awk -v a="$(cat "$T/cpu_pandas")" -v b="$(cat "$T/cpu_check")" 'BEGIN{printf "%.1f", a/b}')"
else
  echo "pandas: not installed for $PY"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
