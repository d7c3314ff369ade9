#!/usr/bin/env python3
"""Windows-1252 to UTF-8, byte by byte (the loader's reading of a file that is
not UTF-8, io/csv.c latin1_to_utf8), from Python's own cp1252 codec.

Each line: the byte in hex, then the UTF-8 bytes of its character in hex.
Python's codec leaves the five bytes Windows-1252 does not assign (0x81,
0x8D, 0x8F, 0x90, 0x9D) undecodable; the WHATWG Encoding Standard, which
browsers follow, maps them to the code point of the same number, as
ISO-8859-1 does, and so does this script (and the loader).

Run:  /usr/bin/python3 tests/reference/cp1252.py > tests/reference/cp1252.out
"""
for b in range(0x80, 0x100):
    try:
        ch = bytes([b]).decode("cp1252")
    except UnicodeDecodeError:
        ch = chr(b)
    print("%02x %s" % (b, ch.encode("utf-8").hex()))
