#!/usr/bin/env bash
# Build the libFuzzer targets with clang and run each for SECONDS (default 30).
# Seed corpora: the first lines of every dataset, the fixtures and the hostile
# corpus, plus expressions for the expression target.  Crashes are saved as
# tests/fuzz/crash-* (reproduce: build-fuzz/tests/fuzz/TARGET FILE); a crash
# makes this script fail.  Prints each target's executions for NOTES.md.
set -euo pipefail
secs=${1:-30}
cd "$(dirname "$0")/../.."
root=$PWD
need=()
command -v clang >/dev/null || need+=(clang)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'install ok installed' || need+=(libclang-rt-14-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "fuzz: installing ${need[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
CC=clang cmake -S . -B build-fuzz -DPMS_FUZZ=ON -DPMS_BUILD_TESTS=OFF -DPMS_BUILD_BENCH=OFF \
  -DPMS_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
# shellcheck disable=SC2086
cmake --build build-fuzz -j"$(nproc)" --target $targets >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=$work/seeds
mkdir -p "$seeds"
for f in datasets/*/*.csv; do head -c 8192 "$f" >"$seeds/$(basename "$f")"; done
cp tests/fixtures/*.csv tests/bad-input/*.csv "$seeds/" 2>/dev/null || true
find "$seeds" -size +64k -delete
mkdir -p "$work/expr"
printf 'log(global_sum)/weighted_patients\nccg_code=11H' >"$work/expr/1"
printf '(x+1)*-2/(x-2.5)\nweighted_patients>=0' >"$work/expr/2"
printf 'r=sqrt(abs(x))+exp(-x)\nx!=2.5' >"$work/expr/3"
mkdir -p "$work/sweep"
printf 'cap=0:30:0.5' >"$work/sweep/1"
printf 'reinvest_pct=0:100:12.5' >"$work/sweep/2"
printf 'keep_for_services=1e-3:2.5e1:0.1' >"$work/sweep/3"
[ -d tests/fuzz/corpus-scenario ] && cp -r tests/fuzz/corpus-scenario "$work/scenario-seeds"
mkdir -p "$work/config-seeds"
cp datasets/*.ini "$work/config-seeds/"
[ -d tests/fuzz/corpus-scenario ] && cp tests/fuzz/corpus-scenario/* "$work/config-seeds/"

status=0
passed=0
failed=0
for t in $targets; do
  corpus=$work/corpus-$t
  mkdir -p "$corpus"
  case $t in
    fuzz_expr) seed=$work/expr ;;
    fuzz_scenario) seed=${work}/scenario-seeds ;;
    fuzz_sweep_spec) seed=$work/sweep ;;
    fuzz_report_config) seed=$work/config-seeds ;;
    fuzz_out) seed=$root/tests/fuzz/corpus-out ;;
    *) seed=$seeds ;;
  esac
  log=$work/$t.log
  if ! (cd "$work" && "$root/build-fuzz/tests/fuzz/$t" -max_total_time="$secs" -max_len=65536 \
        -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$root/tests/fuzz/crash-$t-" \
        "$corpus" "$seed" >"$log" 2>&1); then
    status=1
    failed=$((failed + 1))
    echo "fuzz: $t FAILED"; tail -40 "$log"
  else
    passed=$((passed + 1))
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
  echo "fuzz: $t ${secs}s executions=$execs $cov"
done
echo "fuzz: $passed passed, $failed failed"
exit $status
