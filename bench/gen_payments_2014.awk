# A payments file of N rows in the real 53-column 2014/15 layout:
#   awk -v n=2000000 -f bench/gen_payments_2014.awk datasets/nhs-payments/nhs-payments-gp-2014-15.csv > big.csv
# The header and the rows of the real file (quoted names with commas, "-" for
# missing dates, integers, two-decimal averages, negative deductions), cycled,
# with a unique practice code per row (field 5) so that the result is a valid
# practice table.  About 330 bytes a row: 2M rows are 0.66 GB.  Deterministic.
NR == 1 { print; next }
{ rows[++m] = $0 }
END {
  if (!n) n = 2000000
  for (i = 1; i <= n; i++) {
    r = rows[1 + (i - 1) % m]
    # Fields 1-4 may be quoted with commas inside: skip them by pattern.
    if (!match(r, /^([^,"]*|"[^"]*")(,([^,"]*|"[^"]*"))(,([^,"]*|"[^"]*"))(,([^,"]*|"[^"]*")),/)) { print r; continue }
    head = substr(r, 1, RLENGTH); rest = substr(r, RLENGTH + 1)
    c = index(rest, ",")
    printf "%sX%06d%s\n", head, i, substr(rest, c)
  }
}
