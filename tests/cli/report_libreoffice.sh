#!/usr/bin/env bash
# The workbook opens in LibreOffice and converts to PDF (every sheet printed).
# Labelled `libreoffice` in ctest; exits 77 (skipped) where LibreOffice or
# poppler-utils are absent:  apt-get install libreoffice-calc-nogui poppler-utils
source "$(dirname "$0")/lib.bash" "$@"
if ! command -v libreoffice >/dev/null || ! command -v pdfinfo >/dev/null; then
  echo "SKIP: libreoffice or pdfinfo not installed"
  exit 77
fi
export SOURCE_DATE_EPOCH=1700000000
run report --out "$TMPD/rep"
expect_rc 0
# A private profile, so a running LibreOffice or a missing HOME cannot interfere.
what="libreoffice --convert-to pdf"
HOME="$TMPD" timeout 180 libreoffice --headless "-env:UserInstallation=file://$TMPD/lo-profile" \
  --convert-to pdf --outdir "$TMPD/pdf" "$TMPD/rep/pmsreview-report.xlsx" >"$TMPD/lo.log" 2>&1
rc=$?
expect_rc 0
pdf="$TMPD/pdf/pmsreview-report.pdf"
[ -s "$pdf" ] && ok || bad "no PDF ($(cat "$TMPD/lo.log"))"
head -c 5 "$pdf" | grep -q '%PDF-' && ok || bad "not a PDF"
pages=$(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
[ "${pages:-0}" -ge 12 ] && ok || bad "only ${pages:-0} pages (one sheet at least each)"
# The text of the Summary sheet is in the PDF.
if command -v pdftotext >/dev/null; then
  pdftotext -l 3 "$pdf" "$TMPD/p.txt"
  grep -q "PMS contract review" "$TMPD/p.txt" && ok || bad "title not in the PDF"
fi
finish
