#!/usr/bin/env bash
# Every cmocka test program and the main CLI commands under valgrind memcheck:
# no invalid access, no uninitialised use, no leak (definite or indirect).
# Usage: bash tests/valgrind.sh   (builds build-valgrind/, unsanitised, -O1 -g)
# Numbers are checked here only to 1e-6 (tests/testutil.c): valgrind's x87
# emulation has 64-bit long doubles, so extended-precision digits are lost;
# ctest checks them at full tolerance.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind: installing"; apt-get install -y -qq valgrind; }
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPMS_WERROR=ON >/dev/null
cmake --build build-valgrind -j"$(nproc)" >/dev/null
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --track-origins=yes)
export PMS_TEST_TMP=$PWD/build-valgrind/tmp LC_ALL=C
mkdir -p "$PMS_TEST_TMP"
pass=0 fail=0
for t in build-valgrind/tests/test_*; do
  [ -x "$t" ] || continue
  rc=0
  "${vg[@]}" "$t" >"$PMS_TEST_TMP/vg.log" 2>&1 </dev/null || rc=$?
  # 77: the program cannot run its check here (test_sha256_ni: valgrind's CPU has no SHA-NI).
  if [ $rc -eq 0 ]; then pass=$((pass + 1)); echo "ok   $(basename "$t")"
  elif [ $rc -eq 77 ]; then echo "skip $(basename "$t"): $(tail -1 "$PMS_TEST_TMP/vg.log")"
  else fail=$((fail + 1)); echo "FAIL $(basename "$t")"; tail -30 "$PMS_TEST_TMP/vg.log"; fi
done
P=build-valgrind/pmsreview
D=datasets
cmds=(
  "check --data $D/nhs-payments/nhs-payments-gp-2014-15.csv --data $D/practice-imd/practice-imd-fingertips-93553.csv --format json"
  "check --data $D/nhs-payments/original-nhs-digital-2015-16.csv"
  "check --data tests/bad-input/unterminated_quote.csv"
  "correlate --x imd2015 --y payments_per_weighted --by ccg_code --method spearman,kendall --format json"
  "correlate --x imd2015 --y payments_per_weighted --where ccg_code=11H --bootstrap 300 --seed 4 --threads 2"
  "regress --y payments_per_weighted --x imd2015,weighted_patients --log payments_per_weighted,imd2015 --robust hc3"
  "fairness --value payments_per_weighted --weight weighted_patients --group ccg_code --rank-by imd2015 --bootstrap 200 --seed 3 --threads 2 --format json"
  "funnel --value payments_per_weighted --size weighted_patients --overdispersion additive --format csv"
  "savings --detail all --where ccg_code=11H --format json"
  "savings --sweep cap=0:10:0.5 --scenario cap5 --threads 2"
  "report --out $PMS_TEST_TMP/vg-report"
)
for c in "${cmds[@]}"; do
  # shellcheck disable=SC2086
  rc=0
  "${vg[@]}" $P $c >/dev/null 2>"$PMS_TEST_TMP/vg.log" || rc=$?
  if [ $rc -eq 99 ]; then fail=$((fail + 1)); echo "FAIL pmsreview $c"; tail -30 "$PMS_TEST_TMP/vg.log"
  else pass=$((pass + 1)); echo "ok   pmsreview ${c%% *} (exit $rc)"; fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
