#!/usr/bin/env python3
"""Regenerate the hostile-input corpus (the files are committed; this documents them).

Each file is paired with its expected exit code and message in expected.tsv; the
runner tests/cli/bad_input.sh checks both, and that nothing reached stdout on failure."""
import os

H = b"Practice Code,Practice Name,Contract Type,Number of Weighted Patients (Last Known Figure),Global Sum,Total NHS Payments to General Practice\n"
ROW = b"A81001,Good Surgery,GMS,4771.66,369371.16,612345.67\n"


def w(name, data):
    with open(name, "wb") as f:
        f.write(data)


w("truncated_row.csv", H + ROW + b"A81002,Short,GMS,100\n")
w("extra_fields.csv", H + ROW + b"A81002,Long,GMS,100,1,2,3\n")
w("unterminated_quote.csv", H + ROW + b'A81002,"Never closed,GMS,1,2,3\n')
w("text_after_quote.csv", H + b'A81002,"Name"junk,GMS,1,2,3\n')
w("embedded_nul.csv", H + b"A81002,Nul\x00Name,GMS,1,2,3\n")
w("invalid_utf8.csv", H + b"A81002,Caf\xe9 \xff\xfe,GMS,1,2,3\n")
w("huge_field_1mb.csv", H + b"A81002," + b"x" * (1 << 20) + b",GMS,1,2,3\n")
w("columns_100000.csv", b",".join(b"c%d" % i for i in range(100000)) + b"\n" + b",".join(b"%d" % i for i in range(100000)) + b"\n")
w("duplicate_headers.csv", b"Practice Code,Global Sum,GlobalSum_\xc2\xa3\nA1,1,2\n")
w("duplicate_practice_codes.csv", H + ROW + ROW)
w("number_1e999.csv", H + b"A81002,X,GMS,1,1e999,2\n")
w("number_nan.csv", H + b"A81002,X,GMS,1,nan,2\n")
w("number_inf.csv", H + b"A81002,X,GMS,1,-inf,2\n")
w("number_neg_zero.csv", H + b"A81002,X,GMS,1,-0,2\n")
w("number_pound_1_2_3.csv", H + b'A81002,X,GMS,1,"\xc2\xa31,2,3",2\n')
w("number_hex.csv", H + b"A81002,X,GMS,1,0x10,2\n")
w("number_overflow.csv", H + b"A81002,X,GMS,1,1.8e308,2\n")
w("number_underflow.csv", H + b"A81002,X,GMS,1,4.9e-325,2\n")
w("number_1mb_digits.csv", H + b"A81002,X,GMS,1," + b"9" * (1 << 20) + b",2\n")
w("number_plus.csv", H + b"A81002,X,GMS,1,+5,2\n")
w("number_spaces_only.csv", H + b"A81002,X,GMS,1,   ,2\n")
w("empty.csv", b"")
w("bom_only.csv", b"\xef\xbb\xbf")
w("blank_lines_only.csv", b"\n\r\n\n")
w("header_only.csv", H)
w("crlf_lf_mix.csv", H.replace(b"\n", b"\r\n") + ROW + b"A81002,X,PMS,1,2,3\r\nA81003,Y,APMS,4,5,6\r")
w("cr_only.csv", (H + ROW).replace(b"\n", b"\r"))
w("bare_quote_in_field.csv", H + b'A81002,O"Brien_Surgery,GMS,1,2,3\n')
w("newline_in_header.csv", b'"Practice\nCode",Global Sum\nA1,1\n')
w("empty_header_names.csv", b",,\n1,2,3\n")
w("zero_and_negative_lists.csv", H + b"A81002,X,GMS,0,2,3\nA81003,Y,GMS,-5,2,3\n")
w("all_missing_numeric.csv", H + b"A81002,X,GMS,-,..,NA\nA81003,Y,GMS,*,n/a,\n")
w("latin1.csv", H + b"A81002,Caf\xe9 \xa3,GMS,1,2,3\n")
w("binary_png.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
w("utf16.csv", "Practice Code,Global Sum\nA1,1\n".encode("utf-16"))
w("trailing_comma_rows.csv", b"Practice Code,Global Sum\nA1,1,\n")
w("last_row_truncated_no_newline.csv", H + ROW + b"A81002,X")
w("formula_names.csv", H + b'A81002,"=HYPERLINK(""http://x"")",GMS,1,2,3\nA81003,"@SUM(A1)",GMS,1,2,3\nA81004,"+cmd|\' /C calc\'!A0",GMS,1,2,3\n')
w("gnuplot_hostile_names.csv", H + b'A81002,"`touch /tmp/pmsreview-pwned`",GMS,1,2,3\nA81003,"system(""touch /tmp/pmsreview-pwned"")",GMS,1,2,3\nA81004,"a\nb; !ls",GMS,1,2,3\n')
w("join_no_code.csv", b"Something,Value\nA81001,1\n")
w("join_duplicate_keys.csv", b"PRAC_CODE,QOF_TOTAL\nA81001,1\nA81001,2\n")
w("text_in_numeric_canonical.csv", H + b"A81002,X,GMS,1,two hundred,3\n")
# Savings scenario files (pmsreview savings --scenarios FILE)
w("scenario_unknown_key.ini", b"[glide]\nstart_year = 2014/15\nyears = 4\nmethod = glidepath\ntarget_premium = 0\n")
w("scenario_negative_rate.ini", b"; a negative rate\n[cap]\nstart_year = 2014/15\nyears = 4\nmethod = cap\ncap = -5.00\n")
w("scenario_year_outside.ini", b"[late]\nstart_year = 2017/18\nyears = 4\nmethod = glidepath\n")
w("scenario_huge_years.ini", b"[x]\nstart_year = 2014/15\nyears = 99999999999999999999999\nmethod = none\n")
w("scenario_nul.ini", b"[x]\nstart_year = 2014/15\r\nyears = 2\x00\nmethod = none\n")
w("scenario_long_line.ini", b"[x]\nstart_year = 2014/15\nyears = 1\nmethod = none\ndescription = " + b"a" * 5000 + b"\n")
w("scenario_binary_number.ini", b"[m\xff\xfe]\nstart_year = 2014/15\nyears = 1\nmethod = none\n[a]\nstart_year = 2014/15\nyears = 1\nmethod = percent\npercent = 1e999\n")
