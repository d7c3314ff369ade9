#!/usr/bin/env bash
# End-to-end: pmsreview check, its exit codes and exact messages.
source "$(dirname "$0")/lib.bash" "$@"

P14=$DS/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=$DS/practice-imd/practice-imd-fingertips-93553.csv

run check --data "$P14" --data "$IMD"
expect_rc 0
expect_out_has "All                7,959"
expect_out_has "£7,990,324,226.00"
expect_out_has "7942 of 7959 practices matched on practice code"
expect_out_has "payments_per_weighted: 36 practices have weighted_patients <= 0"

run check --data "$P14" --where ccg_code=11H --format json
expect_rc 0
expect_out_has '"rows_analysed": 55'
expect_out_has '"sha256": "5c6befeb255f14091fa2022e052cb031485ee639b22d05bda42fb94f7a5a7e6d"'
printf '%s' "$out" | python3 -c 'import json,sys; json.load(sys.stdin)' && ok || bad "invalid JSON"

# No --data: every shipped dataset, one JSON array.
run check --format json
expect_rc 0
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [x["provenance"]["rows_analysed"] for x in d] == [7959, 7841, 7841, 7763, 7543, 7279, 7001, 6808, 6758, 6669]' && ok || bad "default check JSON"

# A shipped dataset that cannot be read: the others are still checked, the JSON
# array stays valid without it, and the exit code says so.
mkdir -p "$TMPD/ds" && cp -rs "$(cd "$DS" && pwd)/." "$TMPD/ds/" && rm "$TMPD/ds/nhs-payments/nhs-payments-gp-2016-17.csv"
PMS_DATADIR=$TMPD/ds run check --format json
expect_rc 2
expect_err_has "nhs-payments-gp-2016-17.csv: cannot open: No such file or directory"
printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [x["provenance"]["rows_analysed"] for x in d] == [7959, 7841, 7841, 7543, 7279, 7001, 6808, 6758, 6669]' && ok || bad "check JSON with a dataset missing"
rm -rf "$TMPD/ds"

# Every year to 2022/23 reads, and its practice count is NHS Digital's published one.
run check
expect_rc 0
for y in 2014/15:7959 2015/16:7841 2016/17:7763 2017/18:7543 2018/19:7279 2019/20:7001 \
         2020/21:6808 2021/22:6758 2022/23:6669; do
    expect_out_has "NHS Digital published ${y#*:} practices for ${y%:*}: matches (${y#*:} rows read)."
done
# 2022/23's mislabelled header is recognised and said, not refused as a duplicate code.
run check --data "$DS/nhs-payments/nhs-payments-gp-2022-23.csv" --format csv
expect_rc 0
expect_out_has "layout_remap,4,\"$DS/nhs-payments/nhs-payments-gp-2022-23.csv: NHS Digital 2022/23 layout: header 'Code' holds the PCN code and 'CCG NAME' the PCN name (read as pcn_code, pcn_name); 'Sub ICB NAME' is read as ccg_name\""
expect_out_has "All,6669,"

run check --data "$P14" --format csv
expect_rc 0
expect_out_has "All,7959,56633982,56625866,7990324226.00,141.09"

run check --data "$FIX/bad_number2.csv"
expect_rc 2
expect_err "pmsreview: $FIX/bad_number2.csv:3:2: not a number: '12,3x' (column 'Global Sum')"
expect_out_empty

run check --data "$FIX/unterminated.csv"
expect_rc 2
expect_err "pmsreview: $FIX/unterminated.csv:2:2: unterminated quoted field (the quote opened here is never closed)"

run check --data "$FIX"
expect_rc 2
expect_err "pmsreview: $FIX: is a directory, not a CSV file"

run check --data "$FIX/nope.csv"
expect_rc 2
expect_err "pmsreview: $FIX/nope.csv: cannot open: No such file or directory"

run check --bogus
expect_rc 1
expect_err_has "Try 'pmsreview check --help'"

run check --format xml --data "$P14"
expect_rc 1
expect_err "pmsreview: --format must be text, csv or json, not 'xml'
Try 'pmsreview check --help'"

run check --help
expect_rc 0
expect_out_has "Exit status"

run check --data "$P14" --where 'ccg_code<3'
expect_rc 1
expect_err "pmsreview: where expression 'ccg_code<3': 'ccg_code' is text; only = and != apply"

# Writing to a full disk fails cleanly with a message and exit 1.
what="check > /dev/full"
"$PMS" check --data "$P14" >/dev/full 2>"$TMPD/err"; rc=$?
err=$(cat "$TMPD/err")
expect_rc 1
expect_err_has "write error on standard output"

run --version
expect_rc 0
expect_out_has "pmsreview 0."

# Issue 17: 'pct' is not renamed ccg_code; check lists every rename; a renamed
# column is still found by its own header's snake_case name.
QOF=$DS/practice-performance/practice-qof-gpps-2018-19.csv
run check --data "$QOF"
expect_rc 0
expect_out_has "     1     15  pct                                   no  text      2,794  pct"
expect_out_has "Renamed by the alias table (14; each column is also found by the snake_case name of its own header): code -> practice_code, total_gp_hc -> gp_headcount,"
expect_out_has "cl -> qof_clinical, ph -> qof_public_health,"
run regress --data "$QOF" --y cl --x deprivation_score_imd_2015 --where 'pct = 00K' --format csv
expect_rc 0
expect_out_has "deprivation_score_imd_2015,"

finish
