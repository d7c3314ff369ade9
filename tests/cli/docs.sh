#!/usr/bin/env bash
# The documents cannot drift from the program:
#  - README's subcommand table names exactly the subcommands of `pmsreview --help`,
#    and every option it shows for one appears in that subcommand's --help;
#  - every `pmsreview SUB ...` line in README's code blocks names a real subcommand
#    and only options of it; the Quick start modes are those .ci/quickstart.sh takes;
#  - README's exit codes are those of --help; every environment variable named in
#    README or the man page's include file is read by the code, and every PMS_* or
#    SOURCE_DATE_EPOCH variable the code reads is in the man page;
#  - relative links in README.md, HACKING.md, NOTES.md, doc/*.md and doc/methods/*.md
#    point at files that exist;
#  - the generated man page (next to the binary) has a section per subcommand and
#    renders without warnings.  Without it (configured with -DPMS_MAN=OFF) the
#    test ends with exit 77 (skipped) once everything else has passed.
source "$(dirname "$0")/lib.bash" "$@"

README=$SRC/README.md
H2M=$SRC/doc/pmsreview.h2m
MAN=$(dirname "$PMS")/pmsreview.1

# Documents a link may name before they exist (none now: every page is merged).
PENDING=""

what="pmsreview --help"
main_help=$("$PMS" --help) || bad "exit $?"
subs=$(printf '%s\n' "$main_help" | awk '/^Subcommands:/ {f = 1; next} f && /^$/ {exit} f {print $1}')
[ -n "$subs" ] && ok || bad "no subcommands listed"

is_sub() { printf '%s\n' "$subs" | grep -qx -- "$1"; }
declare -A help
for s in $subs; do
  what="pmsreview $s --help"
  if help[$s]=$("$PMS" "$s" --help 2>&1); then ok; else bad "exit status $?"; fi
  case "${help[$s]}" in "Usage: pmsreview $s"*) ok ;; *) bad "does not start with 'Usage: pmsreview $s'" ;; esac
done
# An option is documented if --help shows it as a whole word.
has_opt() { printf '%s\n' "${help[$1]}" | grep -qE -- "(^|[^a-z0-9-])$2([^a-z0-9-]|\$)"; }

# README's subcommand table: the rows between "## Subcommands" and the next heading.
table=$(awk '/^## Subcommands/ {f = 1; next} f && /^## / {exit} f && /^\| `/' "$README")
tsubs=$(printf '%s\n' "$table" | sed -n 's/^| `\([a-z][a-z0-9-]*\)`.*/\1/p')
what="README subcommand table"
for s in $subs; do
  printf '%s\n' "$tsubs" | grep -qx -- "$s" && ok || bad "'$s' is in pmsreview --help but not in README's table"
done
while IFS= read -r row; do
  s=$(printf '%s\n' "$row" | sed -n 's/^| `\([a-z][a-z0-9-]*\)`.*/\1/p')
  what="README table row '$s'"
  if ! is_sub "$s"; then bad "no such subcommand in pmsreview --help"; continue; fi
  ok
  for o in $(printf '%s\n' "$row" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
    has_opt "$s" "$o" && ok || bad "option $o is not in 'pmsreview $s --help'"
  done
done <<<"$table"

# Command lines in README's code blocks (continuation lines joined).
cmds=$(awk '/^```/ {f = !f; next}
            f { sub(/^[ \t]*(\$ )?/, ""); line = line $0
                if (line ~ /\\$/) { sub(/\\$/, "", line); next }
                print line; line = "" }' "$README")
usage=$(bash "$SRC/.ci/quickstart.sh" not-a-mode 2>&1)   # "usage: PATH run|test", installs nothing
modes="|${usage##* }|"
nlines=0
while IFS= read -r c; do
  set -f
  # shellcheck disable=SC2086
  set -- $c
  set +f
  case "$1" in
    pmsreview | build/pmsreview | ./build/pmsreview)
      nlines=$((nlines + 1))
      s=${2:-}
      what="README: $c"
      if ! is_sub "$s"; then bad "'$s' is not a subcommand"; continue; fi
      ok
      for o in $(printf '%s\n' "$c" | sed 's/#.*//' | grep -oE -- '(^|[ =])--[a-z][a-z0-9-]*' | tr -d ' ='); do
        has_opt "$s" "$o" && ok || bad "option $o is not in 'pmsreview $s --help'"
      done ;;
    bash)
      if [ "${2:-}" = .ci/quickstart.sh ]; then
        what="README: $c"
        case "$modes" in *"|${3:-?}|"*) ok ;; *) bad "quickstart.sh does not take '${3:-}' ($usage)" ;; esac
      fi ;;
  esac
done <<<"$cmds"
what="README code blocks"
[ "$nlines" -ge 5 ] && ok || bad "only $nlines pmsreview command lines found"

# Exit codes: README's table against the main --help's "Exit status:" line.
what="README exit status"
want=$(printf '%s\n' "$main_help" | sed -n 's/^Exit status: //p' | grep -oE '(^|; )[0-9]+' | tr -dc '0-9\n' | sort -u | tr '\n' ' ')
have=$(awk '/^## Exit status/ {f = 1; next} f && /^## / {exit} f' "$README" | sed -n 's/^| \([0-9][0-9]*\) |.*/\1/p' | sort -u | tr '\n' ' ')
[ -n "$want" ] && [ "$want" = "$have" ] && ok || bad "README has codes '$have', --help '$want'"

# Environment variables: documented ones are read, read ones are documented.
srcs=$(ls "$SRC"/analysis/*.c "$SRC"/io/*.c "$SRC"/plots/*.c "$SRC"/plots/preload/*.c \
          "$SRC"/report/*.c "$SRC"/cli/*.c 2>/dev/null)
read_vars=$(grep -ohE 'getenv\("(PMS_[A-Z0-9_]+|SOURCE_DATE_EPOCH)"\)' $srcs | sed 's/getenv("\(.*\)")/\1/' | sort -u)
env_section=$(awk '/^\[ENVIRONMENT\]/ {f = 1; next} f && /^\[/ {exit} f' "$H2M")
for v in $( (grep -ohE '\b(PMS_[A-Z0-9_]+|SOURCE_DATE_EPOCH)\b' "$README"; printf '%s\n' "$env_section" |
             grep -oE '\b(PMS_[A-Z0-9_]+|SOURCE_DATE_EPOCH)\b') | sort -u); do
  what="environment variable $v"
  printf '%s\n' "$read_vars" | grep -qx -- "$v" && ok || bad "documented but not read by the code (getenv)"
done
for v in $read_vars; do
  what="environment variable $v"
  printf '%s\n' "$env_section" | grep -qw -- "$v" && ok || bad "read by the code but not in doc/pmsreview.h2m [ENVIRONMENT]"
done

# Relative links in the Markdown documents.
for f in "$SRC"/README.md "$SRC"/HACKING.md "$SRC"/NOTES.md "$SRC"/doc/*.md "$SRC"/doc/methods/*.md; do
  [ -f "$f" ] || continue
  dir=$(dirname "$f")
  rel=${f#"$SRC"/}
  for l in $(grep -oE '\]\([^)#[:space:]]+(#[^)]*)?\)' "$f" | sed 's/^](//; s/)$//; s/#.*//'); do
    case "$l" in http://* | https://* | mailto:*) continue ;; esac
    what="$rel: link $l"
    target=$(realpath -m "$dir/$l")
    if [ -e "$target" ]; then ok; continue; fi
    case " $(echo $PENDING) " in *" ${target#"$(realpath -m "$SRC")"/} "*) ok ;; *) bad "no such file" ;; esac
  done
done

# The man page generated at build time.
what="man page $MAN"
if [ ! -f "$MAN" ]; then
  echo "man page not built (PMS_MAN=OFF?): its checks are skipped"
  finish || exit 1
  exit 77
fi
for s in $subs; do
  grep -qx ".SS \"pmsreview $s\"" "$MAN" && ok || bad "no subsection for '$s'"
done
for sec in NAME SYNOPSIS DESCRIPTION SUBCOMMANDS '"EXIT STATUS"' ENVIRONMENT FILES EXAMPLES; do
  grep -qx ".SH $sec" "$MAN" && ok || bad "no section $sec"
done
version=$("$PMS" --version)
grep -q "^\.TH PMSREVIEW \"1\" .*\"$version\"" "$MAN" && ok || bad "not for '$version'"
if command -v man >/dev/null; then
  warn=$(MANWIDTH=80 man --warnings -l "$MAN" 2>&1 >/dev/null)
  [ -z "$warn" ] && ok || bad "man warns: $warn"
fi

finish
