#!/usr/bin/env python3
"""SHA-256 of the 70,000-byte scenario file tests/test_savings_tables.c writes
(two scenarios, then comment lines past the first 64 KiB), by hashlib: the
value that test expects io/savings_input to note.  Output beside it:
savings_tables_hash.out."""
import hashlib

HEAD = (
    "[global_sum]\n2018/19 = 88.96\n2019/20 = 89.88\n2020/21 = 93.46\n\n"
    "[cap5]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = 5\nprotect_max_pct = 5\n"
    "reinvest = weighted\nscope = ccg\n\n"
    "[glide]\nstart_year = 2014/15\nyears = 4\nmethod = glidepath\ntarget = 0\n"
    "reinvest = weighted\nscope = ccg\n"
).encode()
SIZE = 70000

body = bytearray(HEAD)
i = 0
while len(body) < SIZE:
    body += b"; padding %05d: beyond the first 64 KiB\n" % i
    i += 1
body = bytes(body[:SIZE])
print("sha256_whole", hashlib.sha256(body).hexdigest())
print("sha256_first_64k", hashlib.sha256(body[:65536]).hexdigest())
