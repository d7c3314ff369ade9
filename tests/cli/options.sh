#!/usr/bin/env bash
# Every subcommand's --help and its parser come from one option table
# (cli/options.h), so they cannot disagree: each option --help lists is
# accepted (a value option without its value says it needs one, a flag given
# a value says it takes none), each is in the Usage synopsis, -h is --help,
# and the usage errors have one wording everywhere.
source "$(dirname "$0")/lib.bash" "$@"

subs=$("$PMS" --help | awk '/^Subcommands:/ {f = 1; next} f && /^$/ {exit} f {print $1}')
[ -n "$subs" ] && ok || bad "no subcommands in pmsreview --help"
for s in $subs; do
  hint="Try 'pmsreview $s --help'"
  run "$s" --help
  expect_rc 0
  help=$out
  run "$s" -h
  [ "$out" = "$help" ] && ok || bad "-h differs from --help"
  usage=$(printf '%s\n' "$help" | awk '/^Usage:/ {f = 1} f && /^$/ {exit} f')
  # "  --name META   text" or "  -h, --help   text" rows of the Options block
  rows=$(printf '%s\n' "$help" | awk '/^Options:/ {f = 1; next} f && /^$/ {exit} f' |
         grep -E '^  (-[a-z], )?--[a-z]' | sed -E 's/^  (-[a-z], )?//')
  [ -n "$rows" ] && ok || bad "$s: no options in --help"
  while IFS= read -r row; do
    name=$(printf '%s\n' "$row" | grep -oE '^--[a-z][a-z0-9-]*')
    [ "$name" = --help ] && continue
    meta=$(printf '%s\n' "$row" | sed -E 's/^--[a-z0-9-]+//' | grep -oE "^ [^ ]+" || true)
    case "$usage" in *"$name"*) ok ;; *) what="pmsreview $s --help"; bad "$name is not in the Usage synopsis" ;; esac
    if [ -n "$meta" ]; then
      run "$s" "$name"
      expect_rc 1
      expect_err "pmsreview: option '$name' needs a value
$hint"
    else
      run "$s" "$name=1"
      expect_rc 1
      expect_err "pmsreview: option '$name' takes no value
$hint"
    fi
  done <<<"$rows"
  run "$s" --no-such-option
  expect_rc 1
  expect_err "pmsreview: unknown option '--no-such-option'
$hint"
  expect_out_empty
  run "$s" extra
  expect_rc 1
  expect_err "pmsreview: unexpected argument 'extra'
$hint"
done

# Options each subcommand's table gives the same checks (given twice, range).
run regress --y a --x b --ci-level 0.9 --ci-level 0.8
expect_rc 1
expect_err "pmsreview: --ci-level given twice
Try 'pmsreview regress --help'"
run fairness --value a --format csv --format json
expect_rc 1
expect_err "pmsreview: --format given twice
Try 'pmsreview fairness --help'"
run savings --threads 300
expect_rc 1
expect_err "pmsreview: --threads must be at most 256, not '300'
Try 'pmsreview savings --help'"
run correlate --x a --y b --min-list -1 --rules
expect_rc 1
expect_err "pmsreview: --min-list must be 0 or more, not '-1'
Try 'pmsreview correlate --help'"
run funnel --value a --size b --year 1900 --rules
expect_rc 1
expect_err "pmsreview: --year must be a financial year's first calendar year (e.g. 2014 for 2014/15), not '1900'
Try 'pmsreview funnel --help'"
run savings --horizon x
expect_rc 1
expect_err "pmsreview: --horizon expects a whole number of years from 1 to 50, not 'x'
Try 'pmsreview savings --help'"
# A command without threads does not take --threads (it was ignored before).
run check --threads 2
expect_rc 1
expect_err "pmsreview: unknown option '--threads'
Try 'pmsreview check --help'"
finish
