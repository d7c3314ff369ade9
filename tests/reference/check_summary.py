#!/usr/bin/env python3
"""Check summary.txt reads like a board paper (issue 14).

Usage: check_summary.py SUMMARY.TXT "LOCALITY LABEL"

- parts in the board's order: the locality's answer, its savings options,
  England for context, technical detail, glossary;
- the first bullet is the locality's answer (does funding follow need there,
  and can the data tell?);
- no jargon outside the technical detail and the glossary (HC3,
  Benjamini-Hochberg, Holm, elasticity, Theil, Spearman, |rho|, "p = 7.5e-32");
- no money to three or more decimals anywhere;
- one practice count for England: a count in the thousands appears only in the
  one sentence that explains the exclusions (outside the technical detail);
- every glossary entry is used above it.
Exits 1 with the reasons on failure.
"""
import re
import sys

path, loc = sys.argv[1], sys.argv[2]
lines = open(path, encoding="utf-8").read().splitlines()
bad = []

heads = ["Does funding follow need in %s?" % loc, "Savings options for %s" % loc,
         "England for context", "Technical detail", "Glossary"]
pos = [lines.index(h) if h in lines else -1 for h in heads]
if -1 in pos:
    bad.append("missing headings: %s" % [h for h, p in zip(heads, pos) if p < 0])
elif pos != sorted(pos):
    bad.append("headings out of order: %s" % pos)

bullets = [i for i, l in enumerate(lines) if l.startswith("- ")]
if not bullets or pos[0] < 0 or bullets[0] != pos[0] + 1:
    bad.append("the first bullet is not under the locality's answer")
else:
    first = lines[bullets[0]]
    if not re.match(r"- (The data cannot tell|Funding follows need|Funding runs against need|In )",
                    first):
        bad.append("the first bullet does not answer the question: %r" % first[:80])
    if first.startswith("- The data cannot tell") and \
            "absence of evidence, not evidence of absence" not in first and \
            "could only reveal" not in first and "too few" not in first:
        bad.append("'cannot tell' without saying why")

plain = lines[:pos[3]] if pos[3] > 0 else lines
glossary = lines[pos[4] + 1:] if pos[4] > 0 else []
jargon = [r"HC3", r"Benjamini", r"Holm", r"elasticity", r"Theil", r"Spearman", r"\|rho\|",
          r"\bp = [0-9.]+e[-+]?[0-9]+"]
for l in plain:
    for j in jargon:
        if re.search(j, l, re.I):
            bad.append("jargon %s outside the technical detail: %r" % (j, l[:80]))
for l in lines:
    m = re.search(r"£-?[0-9,]*\.[0-9]{3}", l)
    if m:
        bad.append("money to 3 decimals: %s in %r" % (m.group(0), l[:80]))

# p-values as the workbook shows them: "p < 0.001" or three significant figures.
for l in lines:
    for m in re.finditer(r"\bp ([=<]) ?([0-9.e+-]+)", l):
        v = m.group(2).rstrip(".")
        ok = (m.group(1) == "<" and v == "0.001") or \
            (m.group(1) == "=" and re.fullmatch(r"0\.0*[1-9][0-9]{2}|[1-9]\.[0-9]{2}|1", v) is not None)
        if not ok:
            bad.append("p-value not as '< 0.001' or three significant figures: %r" % m.group(0))

counts = [l for l in plain if re.search(r"\b[0-9]{1,3},[0-9]{3} practices", l)]
if len(counts) != 1 or "are left out" not in counts[0]:
    bad.append("England's practice count is given %d times outside the exclusions sentence" %
               len(counts))

body = "\n".join(lines[:pos[4]] if pos[4] > 0 else lines).lower()
for l in glossary:
    if l.startswith("- "):
        term = l[2:].split(":")[0]
        if term.lower() not in body:
            bad.append("glossary term not used: %s" % term)
if not any(l.startswith("- ") for l in glossary):
    bad.append("no glossary")

for b in bad:
    print("check_summary: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
