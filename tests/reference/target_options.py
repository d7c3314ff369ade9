#!/usr/bin/python3
"""Independent recomputation of `pmsreview target --scenarios
datasets/pms-review-scenarios.ini --locality 11H` (need weighted, value
core_payments; scopes national and locality) on the 2014/15 payments,
written from doc/methods/fair-shares.md ("Savings scenarios on the same
axis"), not from the C code.

The savings model is tests/reference/savings.py's own independent
recomputation (exact integers and Fractions), loaded here without running its
main(); everything after it is new: each savings scenario of the shipped file
(method = pace sections skipped) is run on every practice of the model, and
before (base-year core funding) and after (core funding in its final year)
are each measured against fair shares of their own pot, by the weighted list
in millionths (largest remainder by sorting exact Fraction remainders).

Output (tests/reference/target_options.out), money in pence, one line per
scope and scenario:
  option SCOPE SCENARIO FINAL_YEAR n pot0 pot1 net_saving to_move0 to_move1
         over10_0 over10_1 under10_0 under10_1
         L: n pot0 pot1 net_saving to_move0 to_move1 over10_0 over10_1 under10_0 under10_1
         bristol_actual0 bristol_target0 bristol_actual1 bristol_target1
(the L part is Bristol's practices sharing Bristol's own money; the last four
are Bristol's sums against its share of the scope's pools).
Run: /usr/bin/python3 tests/reference/target_options.py > tests/reference/target_options.out
"""
import configparser, math, os
from fractions import Fraction

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')
SAV = os.path.join(HERE, 'savings.py')
SHIPPED = os.path.join(ROOT, 'datasets/pms-review-scenarios.ini')

# savings.py ends by calling main(): take its definitions only.
src = open(SAV).read()
src = src[:src.rindex('\nmain()')]
sav = {'__file__': SAV, '__name__': 'savings_reference'}
exec(compile(src, SAV, 'exec'), sav)

def llround(x):  # C's llround: half away from zero
    return int(math.copysign(math.floor(abs(x) + 0.5), x))

def apportion(amount, w):
    S = sum(w)
    exact = [Fraction(amount * x, S) for x in w]
    out = [math.floor(x) for x in exact]
    for i in sorted(range(len(w)), key=lambda i: (-(exact[i] - out[i]), i))[:amount - sum(out)]:
        out[i] += 1
    return out

def targets(money, units, pools):
    """Fair shares of each pool's own money; pools: list of index lists."""
    tgt = [0] * len(money)
    for idx in pools:
        for i, t in zip(idx, apportion(sum(money[i] for i in idx), [units[i] for i in idx])):
            tgt[i] = t
    return tgt

def axis(money, units, pools, idx=None):
    idx = list(range(len(money))) if idx is None else idx
    tgt = targets(money, units, pools)
    d = {i: money[i] - tgt[i] for i in idx}
    over = sum(1 for i in idx if tgt[i] and Fraction(d[i], tgt[i]) > Fraction(1, 10))
    under = sum(1 for i in idx if tgt[i] and Fraction(d[i], tgt[i]) < -Fraction(1, 10))
    return tgt, [len(idx), sum(money[i] for i in idx), sum(abs(x) for x in d.values()) // 2,
                 over, under]

cp = configparser.ConfigParser(inline_comment_prefixes=(';',), interpolation=None)
cp.optionxform = str
cp.read(SHIPPED)
gsr = {2013: '66.25', 2014: '73.56', 2015: '76.14', 2016: '80.59', 2017: '85.35'}
for k, v in cp['global_sum'].items(): gsr[sav['year'](k)] = v
names = [s for s in cp.sections() if s not in ('global_sum', 'model')
         and cp[s].get('method') != 'pace']

P = sav['load']()
units = [llround(p['w'] * 1e6) for p in P]
before = [p['core0'] for p in P]
bri = [i for i, p in enumerate(P) if p['ccg'] == '11H']
for name in names:
    Y = sav['run'](P, cp[name], gsr)[-1]
    after = Y['core']
    net = Y['released'] - Y['reinvested']
    bnet = sum(Y['cut'][i] - Y['reinv'][i] for i in bri)
    for scope in ('national', 'locality'):
        if scope == 'national': pools = [list(range(len(P)))]
        else:
            g = {}
            for i, p in enumerate(P): g.setdefault(p['ccg'], []).append(i)
            pools = list(g.values())
        t0, a0 = axis(before, units, pools)
        t1, a1 = axis(after, units, pools)
        _, l0 = axis(before, units, [bri], bri)
        _, l1 = axis(after, units, [bri], bri)
        print('option', scope, name, Y['year'], a0[0], a0[1], a1[1], net, a0[2], a1[2],
              a0[3], a1[3], a0[4], a1[4], 'L:', l0[0], l0[1], l1[1], bnet, l0[2], l1[2],
              l0[3], l1[3], l0[4], l1[4], sum(before[i] for i in bri), sum(t0[i] for i in bri),
              sum(after[i] for i in bri), sum(t1[i] for i in bri))
