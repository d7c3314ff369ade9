#!/usr/bin/env bash
# The hostile-input corpus (tests/bad-input/): every file gets its expected exit
# code and message, nothing is printed to stdout when the command fails, and
# nothing crashes (an exit above 2 or a signal fails the test).
source "$(dirname "$0")/lib.bash" "$@"
D=$SRC/tests/bad-input
B=$D/../fixtures/messy.csv
count=0
while IFS=$'\t' read -r file want stream pattern args; do
  case "$file" in '#'*|'') continue ;; esac
  count=$((count + 1))
  args=${args//\{F\}/$D/$file}
  args=${args//\{B\}/$B}
  args=${args//\{D\}/$D}
  # shellcheck disable=SC2086  # arguments are split on spaces on purpose
  read -r -a argv <<<"$args"
  run "${argv[@]}"
  what="$file: pmsreview $args"
  expect_rc "$want"
  if [ "$stream" = err ]; then text=$err; else text=$out; fi
  if printf '%s\n' "$text" | grep -Eq -- "$pattern"; then ok; else bad "$stream does not match /$pattern/: $(printf '%s' "$text" | head -c 300)"; fi
  if [ "$want" -ne 0 ]; then expect_out_empty; fi
done <"$D/expected.tsv"
[ "$count" -ge 40 ] && ok || bad "only $count cases in expected.tsv"
[ ! -e /tmp/pmsreview-pwned ] && ok || bad "a hostile name ran a command"
finish
