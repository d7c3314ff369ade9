#!/usr/bin/env bash
# The workbook opens in LibreOffice and converts to PDF (every sheet printed),
# and the printout is a board pack: a bounded number of pages, none shrunk
# below legibility.  Labelled `libreoffice` in ctest; exits 77 (skipped) where
# LibreOffice, poppler-utils or unzip are absent:
#   apt-get install libreoffice-calc-nogui poppler-utils unzip
source "$(dirname "$0")/lib.bash" "$@"
if ! command -v libreoffice >/dev/null || ! command -v pdfinfo >/dev/null ||
   ! command -v pdftotext >/dev/null || ! command -v unzip >/dev/null; then
  echo "SKIP: libreoffice, pdfinfo, pdftotext or unzip not installed"
  exit 77
fi
export SOURCE_DATE_EPOCH=1700000000
PY=/usr/bin/python3
run report --out "$TMPD/rep"
expect_rc 0
xlsx="$TMPD/rep/pmsreview-report.xlsx"
# A private profile, so a running LibreOffice or a missing HOME cannot interfere.
what="libreoffice --convert-to pdf"
HOME="$TMPD" timeout 180 libreoffice --headless "-env:UserInstallation=file://$TMPD/lo-profile" \
  --convert-to pdf --outdir "$TMPD/pdf" "$xlsx" >"$TMPD/lo.log" 2>&1
rc=$?
expect_rc 0
pdf="$TMPD/pdf/pmsreview-report.pdf"
[ -s "$pdf" ] && ok || bad "no PDF ($(cat "$TMPD/lo.log"))"
head -c 5 "$pdf" | grep -q '%PDF-' && ok || bad "not a PDF"

# Pages (issue 14): the printed pack is at most 40 A4 pages without the
# Practices sheet.  Tables of every CCG or practice, chart data and
# provenance stay in the workbook but out of print (a print area of one empty
# cell, which LibreOffice skips), long tables print their first rows, and the
# native charts print as LibreOffice draws them: report_pdf.py finds each
# sheet's pages by its title and reads the chart pages (CCG bars: every label,
# first at the top, axis titles the right way round; the trend's all-practices
# line; the scatter's locality).  The layout before this printed 86 pages on
# 56 sheets (83 without Practices), the CCG chart with every other label
# missing and its order reversed, and fails.
pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
sheets=$(unzip -p "$xlsx" xl/workbook.xml | grep -o '<sheet ' | wc -l)
echo "report_libreoffice: $sheets sheets, ${pages:-0} pages" >&2
if "$PY" -c 'import openpyxl' 2>/dev/null; then
  what="report_pdf.py"
  out=$("$PY" "$SRC/tests/cli/report_pdf.py" "$xlsx" "$pdf" 2>"$TMPD/pages.txt")
  rc=$?
  cat "$TMPD/pages.txt" >&2
  [ "$rc" = 0 ] && [ -z "$out" ] && ok || bad "$out"
else
  bad "python3 with openpyxl is needed to read the printout"
fi

# Legibility, from the file: no sheet holding a table is fitted to the page
# (fitting shrinks without a floor), and every print scale keeps the default
# font at 8 pt or more: 11 pt (styles.xml) needs at least 73%.
size=$(unzip -p "$xlsx" xl/styles.xml | grep -o '<sz val="[0-9.]*"' | head -1 | tr -dc '0-9.')
minscale=$(awk -v s="${size:-11}" 'BEGIN { m = 800 / s; print (m == int(m)) ? m : int(m) + 1 }')
for s in $(unzip -Z1 "$xlsx" | grep '^xl/worksheets/sheet[0-9]*\.xml$'); do
  x=$(unzip -p "$xlsx" "$s")
  if grep -q '<tableParts' <<<"$x" && grep -q 'fitToPage="1"' <<<"$x"; then
    bad "$s: a table sheet fitted to the page"
  fi
  sc=$(grep -o 'scale="[0-9]*"' <<<"$x" | head -1 | tr -dc 0-9)
  [ -z "$sc" ] || { [ "$sc" -ge "$minscale" ] && [ "$sc" -le 100 ]; } ||
    bad "$s: print scale $sc% (below $minscale%: text under 8 pt)"
done
ok
# Legibility, from the PDF: every word with a letter or digit has a box at
# least 9.3 pt high.  pdftotext -bbox boxes span the font's ascent to descent,
# 1.164 em in DejaVu Sans (LibreOffice's stand-in for Calibri), so 9.3 pt is
# 8 pt text.  The old fit-to-width layout printed words 3.2 pt high.
pdftotext -bbox "$pdf" "$TMPD/bbox.html"
small=$(awk -F'"' '/<word / { h = $8 - $4; t = $0; sub(/.*">/, "", t); sub(/<.*/, "", t);
          if (t ~ /[A-Za-z0-9]/ && h < 9.3) { n++; if (n == 1) ex = t " (" h " pt)" } }
          END { print n + 0, ex }' "$TMPD/bbox.html")
[ "${small%% *}" = 0 ] && ok || bad "words printed below 8 pt: $small"
# The title of the report is on the first page (the Cover_sheet).
pdftotext -l 1 "$pdf" "$TMPD/p.txt"
grep -q "PMS contract review" "$TMPD/p.txt" && ok || bad "title not on the first page"
finish
