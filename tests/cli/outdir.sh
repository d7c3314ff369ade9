#!/usr/bin/env bash
# The report's output folder (issue 11, items 1-3; doc/output.md): it replaces
# only a folder that a report wrote (marker .pmsreview-report) or an empty one,
# refuses anything else before any work, follows a symbolic link, validates
# "d/" and ".", refuses a second run into the same folder, removes temporary
# folders left by killed runs, and survives kill -9.
source "$(dirname "$0")/lib.bash" "$@"
export SOURCE_DATE_EPOCH=1700000000
P14=$DS/nhs-payments/nhs-payments-gp-2014-15.csv
IMD=$DS/practice-imd/practice-imd-fingertips-93553.csv
# A quick report (no charts) so that each case costs under a second; SLOW is
# the same with a long bootstrap, for the cases that must catch a run midway.
printf '[report]\ncharts = no\nbootstrap = 0\n[data.main]\npayments = %s\njoin = %s\n' \
  "$P14" "$IMD" >"$TMPD/fast.ini"
sed 's/bootstrap = 0/bootstrap = 5000/' "$TMPD/fast.ini" >"$TMPD/slow.ini"
FAST=(--config "$TMPD/fast.ini")
tail_msg="nothing was changed: choose another output folder, or delete it yourself"
leftovers() { ls -A "$TMPD" | grep -E "^$1\.(tmp-|old-|lock)" || true; }
# The pid of a process that has ended.
dead_pid() { sh -c 'echo $$'; }

# 1. A folder the report did not write is refused, exit 1, before any work, untouched.
mkdir "$TMPD/d"
echo x >"$TMPD/d/thesis.tex"
run report "${FAST[@]}" --out "$TMPD/d"
expect_rc 1
expect_err "pmsreview: $TMPD/d: a folder that pmsreview did not write (it has no .pmsreview-report file) and is not empty; $tail_msg"
expect_out_empty
what="thesis.tex survives"
[ "$(cat "$TMPD/d/thesis.tex" 2>/dev/null)" = x ] && [ "$(ls -A "$TMPD/d")" = thesis.tex ] && ok \
  || bad "the folder was changed: $(ls -A "$TMPD/d" 2>&1)"
[ -z "$(leftovers d)" ] && ok || bad "left behind: $(leftovers d)"
# The same through `out =` in a config (relative to the config's folder).
mkdir -p "$TMPD/cfg/mine"
echo keep >"$TMPD/cfg/mine/notes.txt"
{ cat "$TMPD/fast.ini"; } | sed 's/^\[report\]$/[report]\nout = mine/' >"$TMPD/cfg/c.ini"
run report --config "$TMPD/cfg/c.ini"
expect_rc 1
expect_err "pmsreview: $TMPD/cfg/mine: a folder that pmsreview did not write (it has no .pmsreview-report file) and is not empty; $tail_msg"
[ "$(cat "$TMPD/cfg/mine/notes.txt")" = keep ] && ok || bad "config out: folder changed"
# A file is refused too.
echo data >"$TMPD/afile"
run report "${FAST[@]}" --out "$TMPD/afile"
expect_rc 1
expect_err "pmsreview: $TMPD/afile: exists and is not a folder; $tail_msg"
[ "$(cat "$TMPD/afile")" = data ] && ok || bad "the file was changed"

# 2. An empty folder is used; the report carries the marker; a rerun replaces it.
mkdir "$TMPD/empty"
run report "${FAST[@]}" --out "$TMPD/empty"
expect_rc 0
[ -f "$TMPD/empty/.pmsreview-report" ] && [ -s "$TMPD/empty/summary.txt" ] && ok || bad "no marker or summary"
run report "${FAST[@]}" --out "$TMPD/empty"
expect_rc 0
[ -z "$(leftovers empty)" ] && ok || bad "left behind: $(leftovers empty)"
# `out =` in a config is relative to the config's folder, not the working folder.
what="config out relative to the config"
sed 's/^\[report\]$/[report]\nout = rel-out/' "$TMPD/fast.ini" >"$TMPD/cfg/r.ini"
mkdir -p "$TMPD/elsewhere"
(cd "$TMPD/elsewhere" && "$PMS" report --config ../cfg/r.ini >/dev/null 2>"$TMPD/err")
[ -f "$TMPD/cfg/rel-out/summary.txt" ] && [ ! -e "$TMPD/elsewhere/rel-out" ] && ok \
  || bad "not written beside the config: $(cat "$TMPD/err")"

# 3. Symbolic links are followed: the report goes where the link points, the link stays.
mkdir "$TMPD/target"
ln -s target "$TMPD/link"
run report "${FAST[@]}" --out "$TMPD/link"
expect_rc 0
what="symlink followed"
[ -L "$TMPD/link" ] && [ -f "$TMPD/target/summary.txt" ] && [ -f "$TMPD/target/.pmsreview-report" ] && ok \
  || bad "link replaced or target not written"
run report "${FAST[@]}" --out "$TMPD/link/"
expect_rc 0
[ -L "$TMPD/link" ] && [ -z "$(leftovers target)" ] && [ -z "$(leftovers link)" ] && ok || bad "second run through the link"
ln -s d "$TMPD/link-to-thesis"
run report "${FAST[@]}" --out "$TMPD/link-to-thesis"
expect_rc 1
expect_err "pmsreview: $TMPD/link-to-thesis: a folder that pmsreview did not write (it has no .pmsreview-report file) and is not empty; $tail_msg"
ln -s nowhere "$TMPD/dangling"
run report "${FAST[@]}" --out "$TMPD/dangling"
expect_rc 1
expect_err "pmsreview: $TMPD/dangling: a symbolic link to 'nowhere', which cannot be used (No such file or directory); nothing was changed: create that folder, or choose another output folder"

# 4. "d/" is d; ".", ".." and "/" are refused at once, before any computing.
run report "${FAST[@]}" --out "$TMPD/new/"
expect_rc 0
[ -f "$TMPD/new/summary.txt" ] && ok || bad "--out DIR/ not written"
for o in . .. / "$TMPD/new/." "$TMPD/new/.."; do
  run report "${FAST[@]}" --out "$o"
  expect_rc 1
  expect_err "pmsreview: $o: the output must be a folder of its own, not '.', '..' or '/' (the report replaces the whole folder); nothing was changed: name a new folder, such as board-report"
done
what="--out ./ in a folder"
(cd "$TMPD/d" && "$PMS" report "${FAST[@]}" --out ./ >/dev/null 2>&1)
[ $? -eq 1 ] && [ "$(ls -A "$TMPD/d")" = thesis.tex ] && ok || bad "--out ./ changed the folder"

# 5. A second run into the same folder while the first holds the lock is refused.
run report "${FAST[@]}" --out "$TMPD/empty"   # a report to keep
cp "$TMPD/empty/summary.txt" "$TMPD/kept.txt"
what="locked by another run"
flock "$TMPD/empty.lock" "$PMS" report "${FAST[@]}" --out "$TMPD/empty" >"$TMPD/out" 2>"$TMPD/err"
rc=$?
err=$(cat "$TMPD/err")
expect_rc 1
expect_err "pmsreview: $TMPD/empty: another pmsreview report is writing this folder now ($TMPD/empty.lock is locked); nothing was changed: wait for it to finish, or choose another output folder"
cmp -s "$TMPD/kept.txt" "$TMPD/empty/summary.txt" && ok || bad "the report changed"
# Two real runs: the second, started while the first writes, is refused; the first completes.
what="two runs at once"
rm -f "$TMPD/empty.lock"
"$PMS" report --config "$TMPD/slow.ini" --out "$TMPD/race" --threads 1 >/dev/null 2>"$TMPD/err1" &
first=$!
for _ in $(seq 1 3000); do ls -d "$TMPD"/race.tmp-* >/dev/null 2>&1 && break; sleep 0.01; done
"$PMS" report "${FAST[@]}" --out "$TMPD/race" >/dev/null 2>"$TMPD/err2"
rc2=$?
wait $first
rc1=$?
[ $rc2 -eq 1 ] && grep -q "another pmsreview report is writing this folder now" "$TMPD/err2" && ok \
  || bad "second run: exit $rc2, $(cat "$TMPD/err2")"
[ $rc1 -eq 0 ] && [ -f "$TMPD/race/summary.txt" ] && [ -z "$(leftovers race)" ] && ok \
  || bad "first run: exit $rc1, $(cat "$TMPD/err1"), left: $(leftovers race)"

# 6. Temporary folders of dead runs (marker inside, PID gone) go at the next run;
# a look-alike without the marker, or of a live process, stays.
what="stale temporary folders"
dp=$(dead_pid)
mkdir -p "$TMPD/race.tmp-$dp-123456/charts" "$TMPD/race.old-$dp-654321" \
  "$TMPD/race.tmp-$dp-000001" "$TMPD/race.tmp-$$-000002"
for s in "race.tmp-$dp-123456" "race.old-$dp-654321" "race.tmp-$$-000002"; do
  touch "$TMPD/$s/.pmsreview-report" "$TMPD/$s/big"
done
keep=$(printf '%s\n' "race.tmp-$$-000002" "race.tmp-$dp-000001" | sort | tr '\n' ' ')
run report "${FAST[@]}" --out "$TMPD/race"
expect_rc 0
[ "$(leftovers race | sort | tr '\n' ' ')" = "$keep" ] && ok \
  || bad "left: $(leftovers race | tr '\n' ' ')"

# 7. kill -9 midway: the previous report stays whole; the next run cleans up and works.
what="kill -9 midway"
cp "$TMPD/race/summary.txt" "$TMPD/kept.txt"
"$PMS" report --config "$TMPD/slow.ini" --out "$TMPD/race" --threads 1 >/dev/null 2>&1 &
victim=$!
for _ in $(seq 1 3000); do ls -d "$TMPD"/race.tmp-$victim-* >/dev/null 2>&1 && break; sleep 0.01; done
sleep 0.2
kill -9 $victim
wait $victim 2>/dev/null
cmp -s "$TMPD/kept.txt" "$TMPD/race/summary.txt" && [ -f "$TMPD/race/.pmsreview-report" ] && ok \
  || bad "the previous report was damaged"
ls -d "$TMPD"/race.tmp-$victim-* >/dev/null 2>&1 && ok || bad "the run ended before the kill (test not exercised)"
run report "${FAST[@]}" --out "$TMPD/race"
expect_rc 0
[ "$(leftovers race | sort | tr '\n' ' ')" = "$keep" ] && ok \
  || bad "after the rerun, left: $(leftovers race | tr '\n' ' ')"
[ -f "$TMPD/race/summary.txt" ] && ok || bad "no report after the rerun"

# 8. No --out and no --config: ./board-report in the working folder (the shipped
# settings have no out =; their folder may be read-only once installed).
what="default output folder"
mkdir "$TMPD/cwd"
(cd "$TMPD/cwd" && "$PMS" report --threads 2 >/dev/null 2>"$TMPD/err")
[ -f "$TMPD/cwd/board-report/summary.txt" ] && [ -f "$TMPD/cwd/board-report/.pmsreview-report" ] && ok \
  || bad "not in ./board-report: $(cat "$TMPD/err")"
[ ! -e "$DS/board-report" ] && ok || bad "written into the datasets folder"
finish
