# Generate a payments-like CSV of N rows (awk -v n=2000000 -f gen_payments.awk > big.csv).
# Deterministic (fixed LCG), with the real files' mess: quoted names with commas,
# pound signs and thousands separators, missing markers, zero list sizes.
function grouped(x,   s, r) {
  s = sprintf("%d", int(x)); r = ""
  while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) }
  return s r
}
function rnd() { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 }
BEGIN {
  seed = 20141501
  print "Practice Code,Practice Name,CCG Code,Contract Type,Number of Registered Patients (Last Known Figure),Number of Weighted Patients (Last Known Figure),Global Sum,MPIG Correction factor,Balance of PMS Expenditure,Total NHS Payments to General Practice"
  split("GMS PMS APMS", ct, " ")
  for (i = 1; i <= n; i++) {
    reg = int(1000 + rnd() * 15000)
    w = reg * (0.8 + rnd() * 0.4)
    t = ct[1 + int(rnd() * 3)]
    gs = (t == "GMS") ? w * 73.56 : 0
    pb = (t == "PMS") ? w * (73.56 + rnd() * 30) : 0
    tot = (gs + pb + 40 * reg)
    name = (i % 7 == 0) ? sprintf("\"Dr Smith, Jones & Partners %d\"", i) : sprintf("Surgery %d", i)
    totf = (i % 13 == 0) ? sprintf("\"£%s.%02d\"", grouped(tot), int(rnd() * 100)) : sprintf("%.2f", tot)
    if (i % 997 == 0) { reg = 0; w = 0 }
    mp = (i % 101 == 0) ? "-" : sprintf("%.2f", rnd() * 5000)
    printf "P%07d,%s,%02dX,%s,%d,%.2f,%.2f,%s,%.2f,%s\n", i, name, i % 211, t, reg, w, gs, mp, pb, totf
  }
}
