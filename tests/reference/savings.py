#!/usr/bin/python3
"""Independent recomputation of `pmsreview savings` (tests/reference/savings.ini)
on the 2014/15 payments joined to practice IMD, with exact integer and
Fraction arithmetic.  Written from NOTES.md ("Savings scenarios"), not from the C code:
apportionment by sorting exact Fraction remainders (the C code uses integer
quickselect).  Output (tests/reference/savings.out):
  total SCEN YEAR released reinvested net_saving core_total losing gaining
        over5 over10 largest_loss extension unmet_practices CHK_CORE CHK_CUT CHK_REINV
        kept_for_services
  practice SCEN CODE YEAR core cut reinvest      (Bristol CCG 11H, run on its own)
  fair SCEN YEAR gini theil_total theil_between theil_within concentration
       (national; YEAR 0 = the base year): core funding per weighted patient,
       weighted by W, with the textbook formulas written out below
CHK_* = sum over practices (index i from 1, file order) of i * value, mod 2^61 - 1.
Run: /usr/bin/python3 tests/reference/savings.py > tests/reference/savings.out
"""
import configparser, csv, math, os, sys
from fractions import Fraction

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PAY = os.path.join(ROOT, 'datasets/nhs-payments/nhs-payments-gp-2014-15.csv')
IMD = os.path.join(ROOT, 'datasets/practice-imd/practice-imd-fingertips-93553.csv')
INI = os.path.join(ROOT, 'tests/reference/savings.ini')
MOD = 2**61 - 1
MISSING = {'', '-', '*', 'na', 'n/a', '..'}

def num(s):
    s = s.strip()
    if s.lower() in MISSING: return None
    return float(s.replace(',', '').replace('£', ''))

def round_half_away(fr):          # Fraction -> int, halves away from zero
    fr = Fraction(fr)
    if fr >= 0: return math.floor(fr + Fraction(1, 2))
    return -math.floor(-fr + Fraction(1, 2))

def units4(x):                    # pounds -> 1/10000 pound, rounded
    return round_half_away(Fraction(x) * 10000)

def wp_pence(wunits, rate_u):     # W (hundredths) x rate (1/10000 pound) -> pence
    return round_half_away(Fraction(wunits * rate_u, 10000))

def year(s):
    return int(s.strip()[:4])

def load(ccg_only=None):
    imd = {}
    with open(IMD, encoding='utf-8-sig') as f:
        for r in csv.DictReader(f):
            if r['IndicatorID'] == '93553' and r['Year'] == '2015':
                imd.setdefault(r['AreaCode'].strip().upper(), num(r['Value']))
    P = []
    with open(PAY, encoding='utf-8-sig') as f:
        for r in csv.DictReader(f):
            if ccg_only and r['CCG Code'].strip().upper() != ccg_only: continue
            gs, mp, pb, w = (num(r[k]) for k in ('Global Sum', 'MPIG Correction factor',
                             'Balance of PMS Expenditure', 'Number of Weighted Patients (Last Known Figure)'))
            if None in (gs, mp, pb, w) or w <= 0: continue
            g, m, p = (round_half_away(Fraction(v) * 100) for v in (gs, mp, pb))
            if g + m + p <= 0: continue
            ct = r['Contract Type'].strip().upper()
            if ct not in ('GMS', 'PMS'): continue
            code = r['Practice Code'].strip().upper()
            im = imd.get(code)
            P.append(dict(code=code, pms=ct == 'PMS', w=w, wu=round_half_away(Fraction(w) * 100),
                          gs=g, mpig=m, pb=p, core0=g + m + p, imd=im,
                          dep=0 if im is None else math.floor(w * im * 100.0 + 0.5),
                          ccg=r['CCG Code'].strip().upper(),
                          region=r['NHS England (Region) code'].strip().upper(),
                          disp=r['Dispensing Practice'].strip().lower() in ('yes', 'y', 'true', '1')))
    return P

def apportion(A, w):
    S = sum(w)
    q = [Fraction(A * x, S) for x in w]
    out = [math.floor(v) for v in q]
    r = A - sum(out)
    order = sorted(range(len(w)), key=lambda i: (-(q[i] - out[i]), i))
    for i in order[:r]: out[i] += 1
    return out

def run(P, sc, gsr):
    N = int(sc['years']); start = year(sc['start_year']); ylast = start + N - 1
    meth = sc['method']
    tau = units4(sc.get('target', '0') if meth == 'glidepath' else sc.get('cap', '0') if meth == 'cap' else '0')
    ret = units4(sc.get('retention', '0')); pct = units4(Fraction(sc.get('percent', '0')) / 100)
    ppct = units4(Fraction(sc.get('protect_max_pct', '0')) / 100); pwp = units4(sc.get('protect_max_per_wp', '0'))
    maxext = int(sc.get('max_extension_years', '10'))
    reinvest = sc.get('reinvest', 'none'); scope = sc.get('scope', 'ccg')
    retain = 'retention_column' in sc
    # keep_for_services: the first KEEP pounds per weighted patient of premium
    # above GMS stay with the practice; the method acts on the premium above it
    keep = units4(sc.get('keep_for_services', '0')) if meth != 'none' else 0
    # reinvest_pct: that share of each pool's release is reinvested (exact
    # Fraction, rounded half up to the penny), the rest is the net saving
    rshare = Fraction(sc.get('reinvest_pct', '100')) / 100 if reinvest != 'none' else Fraction(0)
    n = len(P)
    def mpig(m0, y):
        kb = 7 - (2014 - 2013); k = max(0, 7 - (y - 2013))
        return m0 if k >= kb else round_half_away(Fraction(m0 * k, kb))
    cut_prev = [0] * n; tgt_prev = [0] * n; core_prev = [p['core0'] for p in P]
    released_prev = 0; t = 0; years = []
    while True:
        t += 1; y = start + t - 1; yr = min(y, ylast); tt = min(t, N)
        gs_u = units4(gsr[yr])
        cut = [0] * n; tgt = [0] * n; pre = [0] * n; gmseq = [wp_pence(p['wu'], gs_u) for p in P]
        pending = False; kept = 0
        for i, p in enumerate(P):
            if not p['pms']:
                pre[i] = p['gs'] + mpig(p['mpig'], y) + p['pb']; continue
            T = 0
            if meth != 'none':
                X = max(0, p['core0'] - wp_pence(p['wu'], gs_u + keep + tau + (ret if retain and p['disp'] else 0)))
                if keep: kept += min(max(0, p['core0'] - gmseq[i]), wp_pence(p['wu'], keep))
                T = X * tt // N if meth == 'glidepath' else X if meth == 'cap' else X * pct // 10000
            T = max(T, tgt_prev[i]); c = T
            if ppct or pwp:
                lims = []
                if ppct: lims.append((p['core0'] - cut_prev[i]) * ppct // 10000)
                if pwp: lims.append(wp_pence(p['wu'], pwp))
                c = min(c, cut_prev[i] + min(lims))
            pending |= c < T
            tgt[i] = T; cut[i] = c; pre[i] = p['core0'] - c
        reinv = [0] * n
        if reinvest != 'none':
            key = (lambda p: p['ccg']) if scope == 'ccg' else (lambda p: p['region']) if scope == 'region' else (lambda p: '')
            pools = {}
            for i, p in enumerate(P): pools.setdefault(key(p), []).append(i)
            for idx in pools.values():
                A = math.floor(sum(cut[i] for i in idx) * rshare + Fraction(1, 2))
                if reinvest == 'below_gms':
                    gaps = [max(0, gmseq[i] - pre[i]) for i in idx]
                    if A == 0: continue
                    if sum(gaps) >= A: al = apportion(A, gaps)
                    else:
                        al = apportion(A - sum(gaps), [P[i]['wu'] for i in idx])
                        al = [a + g for a, g in zip(al, gaps)]
                else:
                    w = [P[i]['wu'] if reinvest == 'weighted' else P[i]['dep'] for i in idx]
                    if A == 0 or sum(w) == 0: continue
                    al = apportion(A, w)
                for i, a in zip(idx, al): reinv[i] = a
        core = [pre[i] + reinv[i] for i in range(n)]
        d = [core[i] - core_prev[i] for i in range(n)]
        losing = sum(1 for x in d if x < 0); gaining = sum(1 for x in d if x > 0)
        o5 = sum(1 for i in range(n) if d[i] < 0 and -d[i] * 100 > core_prev[i] * 5)
        o10 = sum(1 for i in range(n) if d[i] < 0 and -d[i] * 100 > core_prev[i] * 10)
        largest = max([0] + [-x for x in d])
        chk = lambda v: sum((i + 1) * v[i] for i in range(n)) % MOD
        rel = sum(cut); rei = sum(reinv)
        last = t >= N and (not pending or t >= N + maxext)
        unmet = sum(1 for i in range(n) if cut[i] < tgt[i]) if last else 0
        years.append(dict(year=y, released=rel, reinvested=rei, net=rel - rei, core_total=sum(core),
                          losing=losing, gaining=gaining, o5=o5, o10=o10, largest=largest,
                          ext=int(t > N), unmet=unmet, kept=kept, chk=(chk(core), chk(cut), chk(reinv)),
                          core=core, cut=cut, reinv=reinv))
        if last: return years
        cut_prev, tgt_prev, core_prev = cut, tgt, core

def fairness(P, core):
    x = [core[i] / 100.0 / P[i]['w'] for i in range(len(P))]
    w = [p['w'] for p in P]
    W = math.fsum(w); tot = math.fsum(a * b for a, b in zip(x, w)); mu = tot / W
    # Gini, area under the weighted Lorenz curve
    o = sorted(range(len(x)), key=lambda i: x[i])
    g = 0.0; Pp = Lp = 0.0; cw = cx = 0.0
    for i in o:
        cw += w[i]; cx += w[i] * x[i]
        Pn, Ln = cw / W, cx / tot
        g += (Pn - Pp) * (Ln + Lp); Pp, Lp = Pn, Ln
    gini = 1 - g
    # Theil T and its locality (CCG) parts
    T = math.fsum(w[i] * x[i] / tot * math.log(x[i] / mu) for i in range(len(x)))
    groups = {}
    for i, p in enumerate(P): groups.setdefault(p['ccg'], []).append(i)
    between = within = 0.0
    for idx in groups.values():
        Wg = math.fsum(w[i] for i in idx); Sg = math.fsum(w[i] * x[i] for i in idx)
        mg = Sg / Wg
        between += Sg / tot * math.log(mg / mu)
        within += Sg / tot * math.fsum(w[i] * x[i] / Sg * math.log(x[i] / mg) for i in idx)
    # concentration index, most deprived first, tied IMD share their mean rank
    idx = [i for i in range(len(P)) if P[i]['imd'] is not None]
    idx.sort(key=lambda i: -P[i]['imd'])
    Wi = math.fsum(w[i] for i in idx); R = {}; acc = 0.0; k = 0
    while k < len(idx):
        j = k
        while j < len(idx) and P[idx[j]]['imd'] == P[idx[k]]['imd']: j += 1
        wt = math.fsum(w[i] for i in idx[k:j])
        for i in idx[k:j]: R[i] = (acc + wt / 2) / Wi
        acc += wt; k = j
    mx = math.fsum(w[i] * x[i] for i in idx) / Wi; mr = math.fsum(w[i] * R[i] for i in idx) / Wi
    cov = math.fsum(w[i] * (x[i] - mx) * (R[i] - mr) for i in idx) / Wi
    return gini, T, between, within, 2 * cov / mx

def main():
    cp = configparser.ConfigParser(inline_comment_prefixes=(';',))
    cp.optionxform = str
    cp.read(INI)
    gsr = {2013: '66.25', 2014: '73.56', 2015: '76.14', 2016: '80.59', 2017: '85.35'}
    for k, v in cp['global_sum'].items(): gsr[year(k)] = v
    names = [s for s in cp.sections() if s not in ('global_sum', 'model')]
    nat = load(); bri = load('11H')
    for s in names:
        for Y in run(nat, cp[s], gsr):
            print('total', s, Y['year'], Y['released'], Y['reinvested'], Y['net'], Y['core_total'],
                  Y['losing'], Y['gaining'], Y['o5'], Y['o10'], Y['largest'], Y['ext'], Y['unmet'],
                  *Y['chk'], Y['kept'])
    for s in ('glidepath4_gms_weighted', 'pct_dep_retain'):
        Ys = run(nat, cp[s], gsr)
        print('fair', s, 0, *('%.17g' % v for v in fairness(nat, [p['core0'] for p in nat])))
        for Y in Ys:
            print('fair', s, Y['year'], *('%.17g' % v for v in fairness(nat, Y['core'])))
    for s in names:
        for Y in run(bri, cp[s], gsr):
            for i, p in enumerate(bri):
                print('practice', s, p['code'], Y['year'], Y['core'][i], Y['cut'][i], Y['reinv'][i])

main()
