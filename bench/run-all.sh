#!/usr/bin/env bash
# Every benchmark of the toolkit, medians of several runs, with R/SciPy ratios
# where those are installed.  Usage: bash bench/run-all.sh [BUILD_DIR] [RUNS]
# Builds BUILD_DIR (default build-bench, Release) first.  Paste the output into
# NOTES.md with the date and machine.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build-bench}; RUNS=${2:-5}
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DPMS_BUILD_TESTS=OFF >/dev/null
cmake --build "$B" -j"$(nproc)" >/dev/null
echo "# pmsreview benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
for s in bench/bench_*.sh; do
  echo "## $(basename "$s" .sh)"
  bash "$s" "$B" "$RUNS" || echo "(benchmark $s failed)"
done
