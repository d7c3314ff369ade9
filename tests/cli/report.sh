#!/usr/bin/env bash
# End-to-end: pmsreview report on the shipped data, read back independently
# (tests/reference/read_report.py with openpyxl and SciPy), the chart files,
# the run without gnuplot, hostile names, and failures that must leave the
# previous report intact.
source "$(dirname "$0")/lib.bash" "$@"
PY=/usr/bin/python3
export SOURCE_DATE_EPOCH=1700000000
IMD=$DS/practice-imd/practice-imd-fingertips-93553.csv
have_gnuplot=0
command -v gnuplot >/dev/null && have_gnuplot=1
CHARTS="scatter_imd lorenz funnel ccg_bars distance_from_target savings_by_year lorenz_scenarios sweep
        trend_contract forest_ccg savings_waterfall savings_waterfall_england gains_losses
        locality_practices"

# 1. The default report.
run report --out "$TMPD/rep" --threads 2
expect_rc 0
if [ -f "$TMPD/rep/summary.txt" ] && [ "$out" = "$(cat "$TMPD/rep/summary.txt")" ]; then ok
else bad "stdout is not summary.txt"; fi
expect_out_has "PMS contract review: how GP practice funding follows need"
# Issue 12: the measure, the practice rules, the robust line, the locality
# across CCG changes, the trend to 2022/23 and the sensitivity table (issue
# 14: in plain words, the technical ones under "Technical detail").
expect_out_has "Income measure: payments less dispensing and premises per weighted patient (column payments_less_dispensing_premises_per_weighted)."
expect_out_has "The comparisons use 7,773 practices in England in 2014/15: of the 7,959 in the payments file, 186 are left out (37 with no patients or no payments, 99 open for only part of the year, 50 with fewer than 1,000 patients). 24 more have no deprivation score or income figure, leaving 7,749 practices compared with deprivation."
expect_out_has "Bristol (11H, 2014/15 practices): 47 of 55 found in 2018/19 (the performance year), 39 of them kept by the practice rules."
expect_out_has "the robust (Theil-Sen) line of payments less dispensing and premises per weighted patient on deprivation has a slope of -£0.06 per IMD 2015 point (95% interval -£0.09 to -£0.03), the line drawn on the scatter."
expect_out_has "Across England, practices with more deprived patients receive slightly lower payments less dispensing and premises per weighted patient (rank correlation -0.04, 95% interval -0.07 to -0.02)"
expect_out_has "Followed by practice code across CCG changes, Bristol (11H, 2014/15 practices): of 55, 55 in 2014/15,"
expect_out_has "42 in 2022/23."
expect_out_has "Total NHS payments per weighted patient were £140.83 in 2014/15 and £163.39 in 2022/23."
expect_out_has "What counts as income changes England's answer: the rank correlation with deprivation is negative for total payments (-0.21)"
expect_out_has "Without the practice rules the sign of the national correlation is the same for every measure"
# Issue 14: the summary reads like a board paper.
what="summary order and words"
$PY "$SRC/tests/reference/check_summary.py" "$TMPD/rep/summary.txt" "Bristol (11H)" && ok \
  || bad "summary.txt is not in the board's order or uses jargon"
expect_out_has "- The data cannot tell. In Bristol (11H) payments less dispensing and premises per weighted patient show no clear link with deprivation (rank correlation 0.02, 95% interval -0.25 to 0.28), but its 54 practices could only reveal a link of 0.37 or stronger, and England's is -0.04, which lies inside that interval. So Bristol's lack of a link is absence of evidence, not evidence of absence."
expect_out_has "40 practices lose more than 5% of core funding in some year (with no review this is the phasing out of MPIG, which happens anyway)"
expect_out_has "PMS premium of £416.8m (£17.64 per weighted patient)"
# Issue 14: the Practices sheet and practices.csv against io/select's counts.
what="Practices sheet"
if $PY -c 'import openpyxl' 2>/dev/null; then
  $PY "$SRC/tests/reference/read_practices.py" "$TMPD/rep" "$DS/nhs-payments/nhs-payments-gp-2014-15.csv" 11H \
    && ok || bad "the Practices sheet failed its checks"
else
  echo "SKIP: /usr/bin/python3 lacks openpyxl (python3-openpyxl)" >&2
fi
# Tables and native charts name the report's measure, as the sentences do; the
# trend alone is of total NHS payments (comparable across years).
what="titles name the measure"
if $PY -c 'import openpyxl' 2>/dev/null; then
  $PY - "$TMPD/rep/pmsreview-report.xlsx" <<'PYEOF' && ok || bad "a table or chart title names the wrong measure"
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
m = "payments less dispensing and premises per weighted patient"
for name in ("Fairness inequality", "Funnel", "CCGs", "Correlations by CCG", "Deprivation coefficients",
             "Chart Deprivation", "Chart CCGs"):
    a1 = str(wb[name]["A1"].value)
    assert m in a1.lower(), (name, a1)
assert str(wb["Trend"]["A1"].value).startswith("Total NHS payments per weighted patient"), wb["Trend"]["A1"].value
PYEOF
fi
[ -z "$err" ] && ok || bad "stderr not empty: $err"
ls "$TMPD" | grep -q 'rep\.tmp-' && bad "temporary directory left behind" || ok
if $PY -c 'import openpyxl, scipy, pandas' 2>/dev/null; then
  what="read_sensitivity.py"
  $PY "$SRC/tests/reference/read_sensitivity.py" "$TMPD/rep" "$DS" 11H && ok \
    || bad "the Sensitivity sheet failed its independent checks"
else
  echo "SKIP: /usr/bin/python3 lacks openpyxl, scipy or pandas (python3-pandas)" >&2
fi
grep -q 'title .Theil-Sen line (robust).' "$TMPD/rep/charts/scatter_imd.gp" && ok || bad "scatter without the Theil-Sen line"

# An unknown locality is an error naming close codes, and writes nothing.
run report --locality 99Z --out "$TMPD/loc99z"
expect_rc 1
expect_err "pmsreview: locality '99Z': no practice has that CCG code in $DS/nhs-payments/nhs-payments-gp-2014-15.csv (close: 99A, 99C, 99E, 99F, 99G, 99D, 99N, 99P)"
[ -e "$TMPD/loc99z" ] && bad "a report was written for an unknown locality" || ok
# A measure that is not per patient is a config error.
printf '[report]\nmeasure = total_payments\n[data.main]\npayments = %s\n' "$DS/nhs-payments/nhs-payments-gp-2014-15.csv" >"$TMPD/badm.ini"
run report --config "$TMPD/badm.ini" --out "$TMPD/badm"
expect_rc 2
expect_err "pmsreview: $TMPD/badm.ini:2: measure must be a column per weighted or registered patient (NAME_per_weighted or NAME_per_registered), not 'total_payments'"

# The report as before issue 12 (total payments, every practice) for the
# independent checks of read_report.py, which recompute that measure.
run report --config "$SRC/tests/fixtures/report-classic.ini" --out "$TMPD/classic" --threads 2
expect_rc 0
expect_out_has "Spearman's rho with deprivation: England -0.203"
expect_out_has "and England's is -0.20, which lies inside that interval. So Bristol's lack of a link is absence of evidence, not evidence of absence."

# The workbook against the library and against SciPy.
"$PMS" regress --y payments_per_weighted --x imd2015 --robust hc3 --format json >"$TMPD/reg.json"
"$PMS" funnel --value payments_per_weighted --size weighted_patients \
  --overdispersion multiplicative --format json >"$TMPD/funnel.json"
nimg=14
[ $have_gnuplot = 1 ] || nimg=0
if $PY -c 'import openpyxl, scipy' 2>/dev/null; then
  what="read_report.py"
  $PY "$SRC/tests/reference/read_report.py" "$TMPD/classic" "$DS" "$TMPD/reg.json" "$TMPD/funnel.json" $nimg && ok \
    || bad "the workbook failed its independent checks"
else
  echo "SKIP: /usr/bin/python3 lacks openpyxl or scipy (python3-openpyxl)" >&2
fi

# Each chart: .dat and .gp always; PNG (1600x900), SVG and PDF when gnuplot is there.
what="chart files"
for c in $CHARTS; do
  [ -s "$TMPD/rep/charts/$c.dat" ] && [ -s "$TMPD/rep/charts/$c.gp" ] && ok || bad "$c.dat/.gp missing"
  [ $have_gnuplot = 1 ] || continue
  $PY - "$TMPD/rep/charts/$c" <<'PYEOF' && ok || bad "$c: not a real PNG/SVG/PDF of the expected size"
import struct, sys
b = sys.argv[1]
png = open(b + ".png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR", "png magic"
assert struct.unpack(">II", png[16:24]) == (1600, 900), struct.unpack(">II", png[16:24])
svg = open(b + ".svg", encoding="utf-8").read()
assert svg.lstrip().startswith("<?xml") and "<svg" in svg and 'width="1200"' in svg
pdf = open(b + ".pdf", "rb").read()
assert pdf[:5] == b"%PDF-" and b"%%EOF" in pdf[-1024:]
assert b"/MediaBox [ 0 0 720 405 ]" in pdf, "pdf page size"
PYEOF
done

# Issue 14's charts hold the rows they claim, read back independently.
what="issue 14 chart data"
$PY - "$TMPD/rep/charts" "$DS" <<'PYEOF' && ok || bad "forest_ccg/savings_waterfall/gains_losses/locality_practices data"
import configparser, csv, re, sys
d, ds = sys.argv[1], sys.argv[2]
def blocks(name):
    txt = open(f"{d}/{name}.dat", encoding="utf-8").read().split("\n", 1)[1]
    return [[r.split("\t") for r in b.split("\n") if r] for b in txt.split("\n\n\n") if b.strip()]
# forest_ccg: one row per CCG tested (209 CCGs have >= 10 practices with both
# values after the practice rules, as the Correlations sheet lists), sorted,
# each rho inside its interval, the locality alone highlighted and named.
f = blocks("forest_ccg")[0]
assert len(f) == 209, len(f)
assert [int(r[0]) for r in f] == list(range(1, 210))
rho = [float(r[1]) for r in f]
assert rho == sorted(rho)
assert all(float(r[2]) <= float(r[1]) <= float(r[3]) for r in f)
hl = [r for r in f if r[4] == "1"]
assert len(hl) == 1 and hl[0][5] == "Bristol (11H)", hl
# The waterfalls: released = reinvested + net saving to the penny, one row
# per scenario, named by the scenario file's labels (not identifiers).
ini = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
ini.read(f"{ds}/pms-review-scenarios.ini")
labels = [ini[s]["label"] for s in ini.sections() if "label" in ini[s]]
for w in ("savings_waterfall", "savings_waterfall_england"):
    rows = blocks(w)[0]
    assert [r[0] for r in rows] == labels, (w, [r[0] for r in rows])
    for r in rows:
        assert int(r[4]) == int(r[5]) + int(r[6]), r
        # The drawn value (%.10g: 10 significant digits) is the pence over the unit.
        assert abs(float(r[1]) * (1e5 if w == "savings_waterfall" else 1e8) - int(r[4])) <= 1e-9 * abs(int(r[4])) + 1, r
    assert any(int(r[6]) > 0 for r in rows)
# gains_losses: a block per scenario, each counting every practice of the model once.
g = blocks("gains_losses")
assert [b[0][1] for b in g] == labels
tot = {sum(int(float(r[1])) for r in b[1:]) for b in g}
assert len(tot) == 1 and 7000 < tot.pop() < 8000
gp = open(f"{d}/gains_losses.gp").read()
assert "from -5, graph 0" in gp and "from -10, graph 0" in gp
# locality_practices: Bristol's 55 practices of 2014/15 less the one the
# practice rules remove, each named as in the payments file.
b = blocks("locality_practices")
pts = b[0][1:]
assert len(pts) == 54, len(pts)
names = set()
with open(f"{ds}/nhs-payments/nhs-payments-gp-2014-15.csv", encoding="utf-8-sig", newline="") as fh:
    rd = csv.DictReader(fh)
    ccgcol = next(c for c in rd.fieldnames if re.search("ccg code", c, re.I))
    namecol = next(c for c in rd.fieldnames if re.search("practice name", c, re.I))
    for row in rd:
        if row[ccgcol].strip() == "11H": names.add(row[namecol].strip())
assert len(names) >= 54
assert all(r[2].lower() in {n.lower() for n in names} for r in pts), [r[2] for r in pts if r[2].lower() not in {n.lower() for n in names}]
PYEOF

# The same command again replaces the report with a byte-identical workbook
# (fixed creation time; the command line is in Provenance, so it is the same).
cp "$TMPD/rep/pmsreview-report.xlsx" "$TMPD/first.xlsx"
run report --out "$TMPD/rep" --threads 2
expect_rc 0
cmp -s "$TMPD/first.xlsx" "$TMPD/rep/pmsreview-report.xlsx" && ok || bad "workbook differs between runs"

# 2. No gnuplot on PATH: the workbook is still written and every chart is named.
what="report without gnuplot"
PATH=/nonexistent "$PMS" report --config "$SRC/tests/fixtures/report-classic.ini" --out "$TMPD/nogp" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
expect_rc 0
[ -s "$TMPD/nogp/pmsreview-report.xlsx" ] && ok || bad "no workbook"
for c in $CHARTS; do
  grep -q "^Chart not drawn: $c (.*): gnuplot is not installed (not found on PATH)$" "$TMPD/nogp/summary.txt" \
    && ok || bad "$c not named in summary.txt"
done
ls "$TMPD/nogp/charts/"*.png >/dev/null 2>&1 && bad "PNG without gnuplot" || ok
if $PY -c 'import openpyxl' 2>/dev/null; then
  $PY - "$TMPD/nogp/pmsreview-report.xlsx" <<'PYEOF' && ok || bad "Summary sheet does not name the missing charts"
import openpyxl, sys
s = [c.value for c in openpyxl.load_workbook(sys.argv[1])["Summary"]["A"] if c.value]
assert sum(1 for v in s if v.startswith("Chart not drawn: ")) == 14, s
PYEOF
  $PY "$SRC/tests/reference/read_report.py" "$TMPD/nogp" "$DS" "$TMPD/reg.json" "$TMPD/funnel.json" 0 && ok \
    || bad "the workbook without gnuplot failed its checks"
fi

# 3. Hostile names (tests/fixtures/report_hostile.csv): nothing runs, nothing
# becomes a formula, the data files stay well-formed.
what="hostile names"
rm -f /tmp/pmsreview-pwned
run report --data "$FIX/report_hostile.csv" --data "$IMD" --out "$TMPD/hostile"
expect_rc 0
[ -e /tmp/pmsreview-pwned ] && bad "a hostile name ran a command" || ok
if grep -l -e 'touch' -e 'HYPERLINK' -e 'system' "$TMPD/hostile/charts/"*.gp >/dev/null 2>&1; then
  bad "a hostile name reached a gnuplot script"; else ok; fi
grep -q '`touch /tmp/pmsreview-pwned`' "$TMPD/hostile/charts/ccg_bars.dat" 2>/dev/null \
  || grep -rq 'touch /tmp/pmsreview-pwned' "$TMPD/hostile/charts/"*.dat && ok || bad "names not in the .dat files"
# Every data row keeps its column count (no newline or tab from a name).
awk -F'\t' 'FNR == 1 || /^$/ {next} !(FILENAME in n) {n[FILENAME] = NF} NF != n[FILENAME] && !/^x\t/ {bad = 1; print FILENAME ": " $0} END {exit bad}' \
  "$TMPD/hostile/charts/ccg_bars.dat" && ok || bad "a .dat row has a broken column count"
unzip -p "$TMPD/hostile/pmsreview-report.xlsx" 'xl/worksheets/*.xml' | grep -q '<f>' \
  && bad "a formula in the workbook" || ok
unzip -p "$TMPD/hostile/pmsreview-report.xlsx" xl/sharedStrings.xml | grep -q 'HYPERLINK' && ok \
  || bad "the formula-like name is not kept as text"
[ "$(grep -c '' "$TMPD/hostile/summary.txt")" -eq "$(printf '%s\n' "$out" | grep -c '')" ] && ok || bad "summary lines"

# 4. Failures leave the previous report intact and nothing half-written.
what="unwritable output"
mkdir -p "$TMPD/prev"
echo old >"$TMPD/prev/marker"
touch "$TMPD/afile"
run report --out "$TMPD/afile/report"
expect_rc 1
expect_err_has "pmsreview: $TMPD/afile/report: cannot create the report directory: Not a directory"
expect_out_empty
if [ "$(id -u)" -ne 0 ]; then
  chmod 555 "$TMPD/prev"
  run report --out "$TMPD/prev/sub"
  expect_rc 1
  expect_err_has "cannot create the report directory: Permission denied"
  chmod 755 "$TMPD/prev"
fi
# A failure inside the build (a bad config value): the old report stays.
printf '[report]\ncharts = maybe\n[data.main]\npayments = %s\n' "$DS/nhs-payments/nhs-payments-gp-2014-15.csv" >"$TMPD/bad.ini"
run report --config "$TMPD/bad.ini" --out "$TMPD/prev"
expect_rc 2
expect_err "pmsreview: $TMPD/bad.ini:2: charts must be yes or no, not 'maybe'"
[ "$(cat "$TMPD/prev/marker")" = old ] && ok || bad "previous report touched"
# Disk full and a read-only folder: tests/cli/report_diskfull.sh (needs mount rights).
# stdout on a full device: exit 1.
what="report >/dev/full"
"$PMS" report --out "$TMPD/full" >/dev/full 2>"$TMPD/err"
rc=$?
expect_rc 1
grep -q "write error on standard output" "$TMPD/err" && ok || bad "no write error message"

# Config errors name FILE:LINE, exit 2, and nothing is written.
printf '[report]\nbogus = 1\n[data.main]\npayments = x.csv\n' >"$TMPD/c1.ini"
run report --config "$TMPD/c1.ini" --out "$TMPD/c1"
expect_rc 2
expect_err "pmsreview: $TMPD/c1.ini:2: unknown key 'bogus' in [report]"
printf '[report]\nci_level = 2\n[data.main]\npayments = x.csv\n' >"$TMPD/c3.ini"
run report --config "$TMPD/c3.ini" --out "$TMPD/c1"
expect_rc 2
expect_err "pmsreview: $TMPD/c3.ini:2: ci_level must be between 0.5 and 0.999, not 2"
[ -e "$TMPD/c1" ] && bad "a report was written" || ok

# Another locality.
run report --locality 11J --out "$TMPD/loc" --threads 1
expect_rc 0
expect_out_has "(11J)'s practices receive £"
grep -q "locality.*11J" <(unzip -p "$TMPD/loc/pmsreview-report.xlsx" xl/sharedStrings.xml) && ok \
  || bad "Provenance lacks the locality"

# Usage errors.
run report --nonsense
expect_rc 1
expect_out_empty
# The report's table has no --where (its selection is in the config).
run report --where 'x > 1'
expect_rc 1
expect_err "pmsreview: unknown option '--where'
Try 'pmsreview report --help'"
run report --out
expect_rc 1
expect_err "pmsreview: option '--out' needs a value
Try 'pmsreview report --help'"
finish
