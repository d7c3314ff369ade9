#!/usr/bin/env bash
# A real install (issue 16 item 10; doc/output.md): `cmake --install` into a
# temporary prefix puts the binary in bin/ and the datasets in
# share/pmsreview/; the installed binary, run from an unrelated folder, reads
# the installed data (found from its own location), or $PMS_DATADIR (and the
# older $PMS_DATASETS) when set; a config's relative paths resolve against the
# config file; the output goes to the working folder, never into share/.
source "$(dirname "$0")/lib.bash" "$@"
BUILD=$(dirname "$PMS")
PREFIX=$TMPD/prefix
unset PMS_DATADIR PMS_DATASETS
export SOURCE_DATE_EPOCH=1700000000

what="cmake --install"
cmake --install "$BUILD" --prefix "$PREFIX" >"$TMPD/install.log" 2>&1 && ok || bad "$(tail -5 "$TMPD/install.log")"
BIN=$PREFIX/bin/pmsreview
SHARE=$PREFIX/share/pmsreview
[ -x "$BIN" ] && ok || bad "no bin/pmsreview"
[ -f "$SHARE/default-report.ini" ] && [ -f "$SHARE/nhs-payments/nhs-payments-gp-2014-15.csv" ] \
  && [ -f "$SHARE/pms-review-scenarios.ini" ] && ok || bad "datasets not in share/pmsreview"
# The module that makes gnuplot's PNGs cheaper, in LIBDIR/pmsreview (found
# from the installed binary; test_gnuplot checks what it does).
[ -n "$(find "$PREFIX" -path '*/lib*/pmsreview/pmsreview-gnuplot-png.so')" ] && ok \
  || bad "pmsreview-gnuplot-png.so not installed in LIBDIR/pmsreview"
if [ -f "$SRC/doc/pmsreview.1" ]; then
  [ -f "$PREFIX/share/man/man1/pmsreview.1" ] && ok || bad "man page not installed"
fi

# Mark the installed settings (and make them quick) so the summary shows which were read.
quick() { sed -i -e "s/^title = .*/title = $2/" -e 's/^charts = .*/charts = no/' \
  -e 's/^bootstrap = .*/bootstrap = 0/' "$1"; }
quick "$SHARE/default-report.ini" "Installed settings"
mkdir -p "$TMPD/unrelated"
cd "$TMPD/unrelated" || exit 1
what="installed binary from an unrelated folder"
"$BIN" report >"$TMPD/out" 2>"$TMPD/err"
rc=$?
[ $rc -eq 0 ] && ok || bad "exit $rc: $(cat "$TMPD/err")"
[ "$(head -1 "$TMPD/out")" = "Installed settings" ] && ok || bad "did not read the installed settings: $(head -1 "$TMPD/out")"
[ -f board-report/summary.txt ] && ok || bad "no ./board-report"
[ ! -e "$SHARE/board-report" ] && ok || bad "wrote into share/pmsreview"
# Provenance names the data files the report read (needs unzip: else a skip at the end).
no_unzip=0
if command -v unzip >/dev/null; then
  grep -q "$SHARE/nhs-payments/nhs-payments-gp-2014-15.csv" <(unzip -p board-report/pmsreview-report.xlsx xl/sharedStrings.xml) \
    && ok || bad "Provenance does not name the installed data file"
else
  no_unzip=1
fi
# The other subcommands' default data come from there too.
"$BIN" check --format csv >"$TMPD/check.csv" 2>"$TMPD/err" && ok || bad "check: $(cat "$TMPD/err")"
grep -q "$SHARE/nhs-payments" "$TMPD/check.csv" && ok || bad "check did not read the installed data"

# $PMS_DATADIR, and its older name $PMS_DATASETS, take precedence.
cp -r "$SHARE" "$TMPD/alt"
quick "$TMPD/alt/default-report.ini" "Alternative settings"
what="PMS_DATADIR"
PMS_DATADIR=$TMPD/alt "$BIN" report --out alt >"$TMPD/out" 2>"$TMPD/err"
[ "$(head -1 "$TMPD/out")" = "Alternative settings" ] && ok || bad "$(head -1 "$TMPD/out") $(cat "$TMPD/err")"
what="PMS_DATASETS"
PMS_DATASETS=$TMPD/alt "$BIN" report --out alt >"$TMPD/out" 2>"$TMPD/err"
[ "$(head -1 "$TMPD/out")" = "Alternative settings" ] && ok || bad "$(head -1 "$TMPD/out") $(cat "$TMPD/err")"

# A config of one's own: its relative paths (data and out =) against its folder.
what="config paths relative to the config"
mkdir -p "$TMPD/project/data"
cp "$SHARE/nhs-payments/nhs-payments-gp-2014-15.csv" "$SHARE/practice-imd/practice-imd-fingertips-93553.csv" \
  "$TMPD/project/data/"
printf '[report]\ntitle = My project\nout = results\ncharts = no\nbootstrap = 0\n[data.main]\npayments = data/nhs-payments-gp-2014-15.csv\njoin = data/practice-imd-fingertips-93553.csv\n' \
  >"$TMPD/project/my.ini"
"$BIN" report --config ../project/my.ini >"$TMPD/out" 2>"$TMPD/err"
rc=$?
[ $rc -eq 0 ] && [ -f "$TMPD/project/results/summary.txt" ] && [ ! -e results ] && ok \
  || bad "exit $rc: $(cat "$TMPD/err")"

# A copy of the binary with no data beside it says where it looked.
what="no data folder"
mkdir -p "$TMPD/lonely/bin"
cp "$BIN" "$TMPD/lonely/bin/"
"$TMPD/lonely/bin/pmsreview" report --out x >"$TMPD/out" 2>"$TMPD/err"
rc=$?
[ $rc -ne 0 ] && grep -q "$TMPD/lonely/share/pmsreview/default-report.ini" "$TMPD/err" && ok \
  || bad "exit $rc: $(cat "$TMPD/err")"
if [ $no_unzip = 1 ]; then
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] || exit 1
  echo "SKIP: unzip is not installed: Provenance was not checked (apt-get install unzip)"
  exit 77
fi
finish
