#!/usr/bin/python3
"""Read the PDF LibreOffice printed from the report's workbook, page by page.

Usage: report_pdf.py XLSX PDF
Prints the pages each sheet printed on (stderr), then one line per failed
check (stdout) and exits 1 if any failed.  Checks: the printed pack is at most
40 A4 pages without the Practices sheet (issue 14), and the native charts as
LibreOffice draws them: the CCG bar chart lists every CCG of its data sheet,
the first at the top, with the category title on the vertical axis and the
value title under the bars; the trend chart has a legend entry for all
practices; the scatter a legend entry for the locality's practices.

A sheet's pages are found by its A1 title at the top of a page: sheets print
in workbook order, and a sheet's later pages repeat only its header row."""
import html
import re
import subprocess
import sys

import openpyxl

xlsx, pdf = sys.argv[1:3]
MAX_PAGES = 40
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
npages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
# One call for every page's words with their boxes (x, y from the top).
bbox = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True).stdout
pages = []
for body in bbox.split("<page ")[1:]:
    words = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">([^<]*)</word>', body):
        x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
        t = html.unescape(m.group(5))
        words.append((x0, y0, x1, y1, t))
    pages.append(words)
check(len(pages) == npages, "pdftotext read %d pages of %d" % (len(pages), npages))
text = [norm(" ".join(w[4] for w in p)) for p in pages]

wb = openpyxl.load_workbook(xlsx)
start = {}
p = 0
for ws in wb.worksheets:
    # A sheet kept out of print has one empty cell, XFD1, as its print area.
    if ws.print_area and "XFD$1" in str(ws.print_area):
        continue
    a1 = norm(str(ws["A1"].value or ""))[:25]
    q = p
    while q < len(text) and not text[q].startswith(a1):
        q += 1
    if q < len(text):
        start[ws.title] = q
        p = q + 1
order = [s for s in wb.sheetnames if s in start]
count = {}
for i, s in enumerate(order):
    end = start[order[i + 1]] if i + 1 < len(order) else len(text)
    count[s] = end - start[s]
for s in wb.sheetnames:
    print("%3s  %s" % (count.get(s, 0), s), file=sys.stderr)
practices = count.get("Practices", 0)
print("%d pages, %d without the Practices sheet" % (npages, npages - practices), file=sys.stderr)
check(npages - practices <= MAX_PAGES,
      "%d pages without the Practices sheet (at most %d)" % (npages - practices, MAX_PAGES))


def chart_page(sheet):
    """The words of a native chart's page (None: not printed)."""
    return pages[start[sheet]] if sheet in start else None


# The CCG bar chart: every label of its data, table order from the top.
ccg = chart_page("Chart CCGs")
check(ccg is not None, "the CCG bar chart is not printed")
if ccg is not None and "CCGs chart" in wb.sheetnames:
    ws = wb["CCGs chart"]
    t = list(ws.tables.values())[0]
    rows = list(ws[t.ref])
    labels = [str(r[0].value) for r in rows[1:]]
    ys = []
    for lab in labels:
        # "(#12)" is the label's last word: unique to it on the page.
        tail = lab.split()[-1]
        hit = [w for w in ccg if w[4] == tail]
        check(len(hit) == 1, "CCG chart: label %r shown %d times" % (lab, len(hit)))
        if hit:
            ys.append(hit[0][1])
    check(ys == sorted(ys), "CCG chart: labels not in table order from the top")
    bottom = max(ys) if ys else 0
    vals = [w for w in ccg if w[4] == "weighted" and w[1] > bottom]
    check(len(vals) >= 1, "CCG chart: the value axis title is not under the bars")
    title = [w for w in ccg if w[4] == "CCG"]
    check(any(w[3] - w[1] > w[2] - w[0] for w in title),
          "CCG chart: the category title 'CCG' is not on the vertical axis")


def page_text(sheet):
    """A printed sheet's first page as pdftotext reads it ("" if not printed)."""
    if sheet not in start:
        return ""
    n = str(start[sheet] + 1)
    return norm(subprocess.run(["pdftotext", "-f", n, "-l", n, pdf, "-"], capture_output=True,
                               text=True).stdout)


check("All practices" in page_text("Chart Trend"),
      "trend chart: no 'All practices' line in the legend")
check(re.search(r"\(\w[^)]*\) practices", page_text("Chart Deprivation")),
      "scatter: no legend entry for the locality's practices")
for f in failures:
    print(f)
sys.exit(1 if failures else 0)
