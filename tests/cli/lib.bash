# Shared helpers for the end-to-end CLI tests (tests/cli/*.sh).
# Usage in a test:  source "$(dirname "$0")/lib.bash" "$@"
# Then: run ARGS...  (sets $out, $err, $rc), expect_rc N, expect_err 'exact text',
#       expect_out_has 'substring', and finally: finish
set -u
PMS=${1:?usage: test.sh PMSREVIEW_BINARY SOURCE_DIR}
SRC=${2:?usage: test.sh PMSREVIEW_BINARY SOURCE_DIR}
DS=$SRC/datasets
FIX=$SRC/tests/fixtures
export LC_ALL=C
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"' EXIT
passed=0
failed=0
what=""

run() {
  what="pmsreview $*"
  "$PMS" "$@" >"$TMPD/out" 2>"$TMPD/err"
  rc=$?
  out=$(cat "$TMPD/out")
  err=$(cat "$TMPD/err")
}
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $what: $1" >&2; }
expect_rc() { if [ "$rc" -eq "$1" ]; then ok; else bad "exit $rc, want $1 (stderr: $err)"; fi; }
expect_err() { if [ "$err" = "$1" ]; then ok; else bad "stderr '$err', want '$1'"; fi; }
expect_err_has() { case "$err" in *"$1"*) ok ;; *) bad "stderr '$err' lacks '$1'" ;; esac; }
expect_out_has() { case "$out" in *"$1"*) ok ;; *) bad "stdout lacks '$1'" ;; esac; }
expect_out_empty() { if [ -z "$out" ]; then ok; else bad "stdout not empty"; fi; }
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
