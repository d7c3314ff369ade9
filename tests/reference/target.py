#!/usr/bin/python3
"""Independent recomputation of `pmsreview target` on the 2014/15 payments
joined to practice IMD 2015, with exact Fraction arithmetic.  Written from
doc/methods/fair-shares.md, not from the C code: the CSV files are read with
Python's csv module, each pool's fair shares are pot x need / sum need as
exact Fractions, floored to pence, and the leftover pennies go to the largest
exact remainders (ties: earlier practice in file order) by sorting; the C
code uses integer quickselect (analysis/savings.c).

Every combination of need (weighted, registered, weighted_imd with elasticity
0.2), value (core_payments, total_payments) and scope (national, region,
locality).  Output (tests/reference/target.out), money in pence:
  config NEED VALUE SCOPE n excluded pot to_move loc_to_move
         over5 over10 under5 under10 loc_over5 loc_over10 loc_under5 loc_under10 CHK
  pool NEED VALUE SCOPE POOL n pot
  bristol NEED VALUE SCOPE practices actual target over10 under10
  practice NEED VALUE SCOPE CODE actual target        (Bristol, CCG 11H)
  spearman NEED VALUE SCOPE n rho                     (scipy.stats.spearmanr of
                                                       distance/target with IMD)
CHK = sum over kept practices (i from 1, file order) of i x target, mod 2^61 - 1.
Need units: need x 10^6 rounded half away from zero (the C code's llround).
Run: /usr/bin/python3 tests/reference/target.py > tests/reference/target.out
"""
import csv, math, os, sys
from fractions import Fraction
from scipy.stats import spearmanr

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PAY = os.path.join(ROOT, 'datasets/nhs-payments/nhs-payments-gp-2014-15.csv')
IMD = os.path.join(ROOT, 'datasets/practice-imd/practice-imd-fingertips-93553.csv')
MOD = 2**61 - 1
ELASTICITY = 0.2

def num(s):
    s = s.strip()
    if s.lower() in ('', '-', '*', 'na', 'n/a', '..'): return None
    return float(s.replace(',', ''))

def half_away(fr):
    return math.floor(fr + Fraction(1, 2)) if fr >= 0 else -math.floor(-fr + Fraction(1, 2))

imd = {}
with open(IMD, encoding='utf-8-sig', newline='') as f:
    for r in csv.DictReader(f):
        if r['IndicatorID'] == '93553' and r['Year'] == '2015' and num(r['Value']) is not None:
            imd[r['AreaCode'].strip()] = float(r['Value'])

rows = []
with open(PAY, encoding='utf-8-sig', newline='') as f:
    for r in csv.DictReader(f):
        g, m, p = (num(r[k]) for k in ('Global Sum', 'MPIG Correction factor',
                                       'Balance of PMS Expenditure'))
        code = r['Practice Code'].strip()
        rows.append(dict(
            code=code, region=r['NHS England (Region) code'].strip(),
            ccg=r['CCG Code'].strip(),
            core_payments=None if None in (g, m, p) else g + m + p,
            total_payments=num(r['Total NHS Payments to General Practice']),
            weighted=num(r['Number of Weighted Patients (Last Known Figure)']),
            registered=num(r['Number of Registered Patients (Last Known Figure)']),
            imd=imd.get(code)))

def need_of(r, need):
    if need == 'weighted': return r['weighted']
    if need == 'registered': return r['registered']
    w, d = r['weighted'], r['imd']
    if w is None or d is None: return None
    if d <= 0: return None                       # log undefined: missing
    return w * math.exp(ELASTICITY * math.log(d))  # as the C expression evaluates it

def apportion(pot, units):
    S = sum(units)
    exact = [Fraction(pot * u, S) for u in units]
    out = [math.floor(x) for x in exact]
    left = pot - sum(out)
    order = sorted(range(len(units)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[:left]: out[i] += 1
    return out

def bands(pcts):
    return [sum(1 for d in pcts if d > Fraction(1, 20)), sum(1 for d in pcts if d > Fraction(1, 10)),
            sum(1 for d in pcts if d < -Fraction(1, 20)), sum(1 for d in pcts if d < -Fraction(1, 10))]

def run(need, value, scope):
    kept = []
    for r in rows:
        v, nd = r[value], need_of(r, need)
        if v is None or nd is None or nd * 1e6 < 0.5 or not r['ccg']: continue
        kept.append(dict(r, actual=half_away(Fraction(v) * 100),
                         units=half_away(Fraction(nd) * 10**6)))
    key = {'national': lambda r: 'England', 'region': lambda r: r['region'],
           'locality': lambda r: r['ccg']}[scope]
    pools = {}
    for i, r in enumerate(kept): pools.setdefault(key(r), []).append(i)
    target = [None] * len(kept)
    for name in sorted(pools):
        idx = pools[name]
        pot = sum(kept[i]['actual'] for i in idx)
        for i, t in zip(idx, apportion(pot, [kept[i]['units'] for i in idx])): target[i] = t
        print('pool', need, value, scope, name, len(idx), pot)
    dist = [r['actual'] - t for r, t in zip(kept, target)]
    pct = [Fraction(d, t) for d, t in zip(dist, target)]
    loc = {}
    for r, t in zip(kept, target):
        a = loc.setdefault(r['ccg'], [0, 0, 0]); a[0] += r['actual']; a[1] += t; a[2] += 1
    lpct = [Fraction(a - t, t) for a, t, _ in loc.values()]
    chk = sum((i + 1) * t for i, t in enumerate(target)) % MOD
    pot = sum(r['actual'] for r in kept)
    assert sum(target) == pot
    print('config', need, value, scope, len(kept), len(rows) - len(kept), pot,
          sum(abs(d) for d in dist) // 2, sum(abs(a - t) for a, t, _ in loc.values()) // 2,
          *bands(pct), *bands(lpct), chk)
    b = loc['11H']
    bp = [p for r, p in zip(kept, pct) if r['ccg'] == '11H']
    bb = bands(bp)
    print('bristol', need, value, scope, b[2], b[0], b[1], bb[1], bb[3])
    for r, t in zip(kept, target):
        if r['ccg'] == '11H': print('practice', need, value, scope, r['code'], r['actual'], t)
    xs = [(float(p), r['imd']) for r, p in zip(kept, pct) if r['imd'] is not None]
    rho = spearmanr([x for x, _ in xs], [y for _, y in xs]).statistic
    print('spearman', need, value, scope, len(xs), repr(float(rho)))

for need in ('weighted', 'registered', 'weighted_imd'):
    for value in ('core_payments', 'total_payments'):
        for scope in ('national', 'region', 'locality'):
            run(need, value, scope)
