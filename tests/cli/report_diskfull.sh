#!/usr/bin/env bash
# The report on a full disk and into a read-only file system: exit 1, nothing on
# stdout, the previous report intact, nothing half-written left behind.
# Both need a small tmpfs, so mount rights: the script re-runs itself in a
# private mount namespace (as root, or as a user with unprivileged user
# namespaces), and exits 77 (a skip in ctest, not a pass) where neither works.
if [ -z "${PMS_IN_MOUNT_NS:-}" ]; then
  for how in "-m" "-r -m"; do
    # shellcheck disable=SC2086  # two words on purpose
    if unshare $how mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null; then
      # shellcheck disable=SC2086
      PMS_IN_MOUNT_NS=1 exec unshare $how bash "$0" "$@"
    fi
  done
  echo "SKIP: cannot mount a tmpfs (needs root or unprivileged user namespaces)"
  exit 77
fi
source "$(dirname "$0")/lib.bash" "$@"

# A previous report: what a report leaves (its marker and files).
prev_report() {
  mkdir "$1" && echo old >"$1/summary.txt" && touch "$1/.pmsreview-report"
}

# Disk full: a 1 MiB tmpfs (the workbook alone is 2 MB).
what="disk full"
mkdir -p "$TMPD/small"
if ! mount -t tmpfs -o size=1m tmpfs "$TMPD/small"; then
  echo "SKIP: mount failed inside the mount namespace"
  exit 77
fi
prev_report "$TMPD/small/rep"
run report --out "$TMPD/small/rep"
expect_rc 1
expect_out_empty
expect_err_has "No space left on device"
[ "$(cat "$TMPD/small/rep/summary.txt")" = old ] && ok || bad "previous report lost on a full disk"
[ "$(ls -A "$TMPD/small")" = rep ] && ok || bad "half-written files left: $(ls -A "$TMPD/small")"
umount "$TMPD/small"

# No write permission: as root chmod does not stop writes, so a read-only
# tmpfs stands in for it.
what="read-only output folder"
mkdir -p "$TMPD/ro"
mount -t tmpfs -o size=1m tmpfs "$TMPD/ro"
prev_report "$TMPD/ro/rep"
# remount,bind,ro: the mount's own read-only flag, which a user namespace may set.
if mount -o remount,bind,ro "$TMPD/ro"; then
  run report --out "$TMPD/ro/rep"
  expect_rc 1
  expect_err "pmsreview: $TMPD/ro/rep: cannot create the report directory: Read-only file system"
  expect_out_empty
  [ "$(cat "$TMPD/ro/rep/summary.txt")" = old ] && ok || bad "previous report lost"
  umount "$TMPD/ro"
  finish
else
  umount "$TMPD/ro"
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] || exit 1
  echo "SKIP: cannot make the tmpfs read-only here: the read-only case did not run"
  exit 77
fi
