#!/usr/bin/python3
"""Independent recomputation of `pmsreview target --pace tests/reference/pace.ini`
(need weighted, value core_payments, scopes national and locality) on the
2014/15 payments, written from analysis/pace.h's description, not from the C
code.  Pence and targets are exact integers (targets by exact Fraction
remainders, sorted); the one step done in floating point is the step the
model defines in doubles, wanted = (1 - pace) x prev x (1 + growth) + pace x
target, rounded half away from zero, and the floor/cap bounds
floor(fraction x |prev|), evaluated here in the same order on the same IEEE
doubles.  The rebalancing apportionments are exact (Fractions).
Output (tests/reference/pace.out), money in pence:
  pace SCOPE SCENARIO YEAR pot to_move over10 under10 losing gaining at_floor at_cap
       overspend held_back bristol_actual bristol_target MONEY_TOTAL
Run: /usr/bin/python3 tests/reference/pace.py > tests/reference/pace.out
"""
import configparser, csv, math, os
from fractions import Fraction

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PAY = os.path.join(ROOT, 'datasets/nhs-payments/nhs-payments-gp-2014-15.csv')
INI = os.path.join(ROOT, 'tests/reference/pace.ini')

def num(s):
    s = s.strip()
    return None if s.lower() in ('', '-', '*', 'na', 'n/a', '..') else float(s.replace(',', ''))

def llround(x):  # C's llround: half away from zero
    return int(math.copysign(math.floor(abs(x) + 0.5), x))

def apportion(amount, w):
    S = sum(w)
    exact = [Fraction(amount * x, S) for x in w]
    out = [math.floor(x) for x in exact]
    for i in sorted(range(len(w)), key=lambda i: (-(exact[i] - out[i]), i))[:amount - sum(out)]:
        out[i] += 1
    return out

prac = []
with open(PAY, encoding='utf-8-sig', newline='') as f:
    for r in csv.DictReader(f):
        g, m, p = (num(r[k]) for k in ('Global Sum', 'MPIG Correction factor',
                                       'Balance of PMS Expenditure'))
        w = num(r['Number of Weighted Patients (Last Known Figure)'])
        if None in (g, m, p, w) or w * 1e6 < 0.5: continue
        prac.append((r['CCG Code'].strip(), llround((g + m + p) * 100), llround(w * 1e6)))

cfg = configparser.ConfigParser()
cfg.read(INI)

def rebalance(d, growth):
    P = sum(x for x in d if x > 0); N = -sum(x for x in d if x < 0)
    excess = P - N - growth
    if excess == 0: return d, 0, 0
    sign = 1 if excess > 0 else -1
    have, cut = (P, excess) if sign > 0 else (N, -excess)
    over = held = 0
    if cut > have:
        if sign > 0: over = cut - have
        else: held = cut - have
        cut = have
    if not have: return d, over, held
    w = [sign * x if sign * x > 0 else 0 for x in d]
    out = apportion(have - cut, w)
    return [sign * o if wi else x for x, wi, o in zip(d, w, out)], over, held

for scope in ('national', 'locality'):
    pools = {}
    for i, (ccg, _, _) in enumerate(prac):
        pools.setdefault('England' if scope == 'national' else ccg, []).append(i)
    for name in cfg.sections():
        if cfg[name].get('method') != 'pace': continue
        s = cfg[name]
        years = int(s.get('years', '5')); pace = float(s.get('pace_pct', '25')) / 100
        loss = float(s.get('max_loss_pct', '2')) / 100; gain = float(s.get('max_gain_pct', '5')) / 100
        growth = float(s.get('growth_pct', '0')) / 100
        money = [a for _, a, _ in prac]
        for t in range(1, years + 1):
            nxt = [None] * len(prac); tgt = [None] * len(prac)
            pot_all = over_all = held_all = floor_n = cap_n = 0
            for idx in pools.values():
                pot0 = sum(money[i] for i in idx)
                g = llround(pot0 * growth); pot = pot0 + g
                target = apportion(max(pot, 0), [prac[i][2] for i in idx])
                d = []
                for i, tg in zip(idx, target):
                    prev = money[i]
                    wanted = (1 - pace) * float(prev) * (1 + growth) + pace * float(tg)
                    x = llround(wanted - float(prev))
                    lo = -math.floor(loss * float(abs(prev))); hi = math.floor(gain * float(abs(prev)))
                    if x < lo: x = lo; floor_n += 1
                    if x > hi: x = hi; cap_n += 1
                    d.append(x)
                d, o, h = rebalance(d, g)
                over_all += o; held_all += h; pot_all += pot
                for i, tg, x in zip(idx, target, d):
                    nxt[i] = money[i] + x; tgt[i] = tg
            lose = sum(1 for a, b in zip(money, nxt) if b < a)
            gainn = sum(1 for a, b in zip(money, nxt) if b > a)
            money = nxt
            dist = [a - b for a, b in zip(money, tgt)]
            over10 = sum(1 for d_, b in zip(dist, tgt) if b and Fraction(d_, b) > Fraction(1, 10))
            under10 = sum(1 for d_, b in zip(dist, tgt) if b and Fraction(d_, b) < -Fraction(1, 10))
            ba = sum(a for (c, _, _), a in zip(prac, money) if c == '11H')
            bt = sum(b for (c, _, _), b in zip(prac, tgt) if c == '11H')
            assert sum(money) == pot_all + over_all - held_all
            print('pace', scope, name, t, pot_all, sum(abs(x) for x in dist) // 2, over10, under10,
                  lose, gainn, floor_n, cap_n, over_all, held_all, ba, bt, sum(money))
