#!/usr/bin/python3
"""Independent recomputation of `pmsreview premium` on the real 2014/15 payments
file joined to practice IMD 2015, with pandas for the table, exact Python
integers/Fractions for money and scipy for Spearman's rho.  Written from the
definitions in doc/methods/premium.md, not from the C code.

Output (tests/reference/premium.out), one record per line, money in pence:
  national YEAR RATE practices above below premium_pence after_pence
           above_after below_after per_weighted q1 median q3 top10_n top10_share
           after_per_weighted uplift_per_weighted
  imd national n rho ci_low ci_high p tost_p min_detectable
  locality YEAR CODE practices above below premium_pence after_pence
  imd CODE n rho ci_low ci_high p           (localities with >= 10 practices with IMD)
  naive YEAR practices premium_pence per_weighted   (every PMS practice with W > 0,
           including those without a core payment: how the issue's ~£339m arises)
YEAR is 2013 (2013/14 prices, 66.25) and 2014 (73.56).
Run: /usr/bin/python3 tests/reference/premium.py > tests/reference/premium.out
"""
import math, os
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
PAY = os.path.join(ROOT, 'datasets/nhs-payments/nhs-payments-gp-2014-15.csv')
IMD = os.path.join(ROOT, 'datasets/practice-imd/practice-imd-fingertips-93553.csv')
RATES = {2013: '66.25', 2014: '73.56'}
DELTA, ALPHA, POWER = 0.1, 0.05, 0.8


def half_up(fr):  # Fraction >= or < 0 -> int, halves away from zero
    fr = Fraction(fr)
    return math.floor(fr + Fraction(1, 2)) if fr >= 0 else -math.floor(-fr + Fraction(1, 2))


def spearman(x, y):
    """rho, Bonett-Wright interval, t p-value (n > 1290 or ties), TOST, min detectable."""
    n = len(x)
    rho = stats.spearmanr(x, y).correlation
    z = math.atanh(rho)
    se = math.sqrt((1 + rho * rho / 2) / (n - 3))
    q = stats.norm.ppf(1 - ALPHA / 2)
    lo, hi = math.tanh(z - q * se), math.tanh(z + q * se)
    t = rho * math.sqrt((n - 2) / (1 - rho * rho))
    p = 2 * stats.t.sf(abs(t), n - 2)
    zd = math.atanh(DELTA)
    tost = max(stats.norm.cdf((z - zd) / se), 1 - stats.norm.cdf((z + zd) / se))
    mindet = math.tanh((q + stats.norm.ppf(POWER)) / math.sqrt(n - 3))
    return rho, lo, hi, p, tost, mindet


def load():
    d = pd.read_csv(PAY, encoding='utf-8-sig', dtype=str, keep_default_na=False)
    imd = pd.read_csv(IMD, encoding='utf-8-sig', dtype=str, keep_default_na=False)
    imd = imd[(imd.IndicatorID == '93553') & (imd.Year == '2015')]
    imd = imd.drop_duplicates('AreaCode').set_index('AreaCode')['Value'].astype(float)
    out = pd.DataFrame({
        'code': d['Practice Code'].str.strip(),
        'ccg': d['CCG Code'].str.strip(),
        'contract': d['Contract Type'].str.strip().str.upper(),
    })
    for k, c in [('gs', 'Global Sum'), ('mpig', 'MPIG Correction factor'),
                 ('pb', 'Balance of PMS Expenditure'),
                 ('w', 'Number of Weighted Patients (Last Known Figure)')]:
        v = d[c].str.replace(',', '').str.strip()
        assert v.str.fullmatch(r'-?\d+').all(), c  # whole pounds / whole patients in 2014/15
        out[k] = v.map(int)
    out['imd'] = out.code.map(imd)
    out['core'] = (out.gs + out.mpig + out.pb) * 100  # pence
    return out


def main():
    d = load()
    model = d[(d.w > 0) & (d.core > 0) & d.contract.isin(['GMS', 'PMS']) & (d.ccg != '')]
    gms = model[model.contract == 'GMS']
    pms = model[model.contract == 'PMS'].copy()
    M, WG = int(gms.mpig.sum()) * 100, int(gms.w.sum())
    for year, rate in RATES.items():
        r = Fraction(rate)
        pms['gmseq'] = [half_up(w * r * 100) for w in pms.w]
        pms['uplift'] = [half_up(Fraction(M * w, WG)) for w in pms.w]
        pms['prem'] = pms.core - pms.gmseq
        pms['after'] = pms.core - pms.mpig * 100 - pms.gmseq - pms.uplift
        pms['pw'] = pms.prem / 100 / pms.w
        W = int(pms.w.sum())
        tot, aft = int(pms.prem.sum()), int(pms.after.sum())
        q1, med, q3 = np.quantile(pms.pw, [0.25, 0.5, 0.75])  # type 7
        k = (len(pms) + 9) // 10
        top = int(pms.prem.sort_values(ascending=False).head(k).sum())
        print('national', year, rate, len(pms), int((pms.prem > 0).sum()), int((pms.prem < 0).sum()),
              tot, aft, int((pms.after > 0).sum()), int((pms.after < 0).sum()),
              '%.10f' % (tot / 100 / W), '%.10f' % q1, '%.10f' % med, '%.10f' % q3, k,
              '%.10f' % (top / tot), '%.10f' % (aft / 100 / W), '%.10f' % (M / 100 / WG))
        if year == 2013:
            x = pms[pms.imd.notna()]
            print('imd national', len(x), *('%.12g' % v for v in spearman(x.pw, x.imd)))
        for ccg, g in sorted(pms.groupby('ccg'), key=lambda kv: kv[0]):
            print('locality', year, ccg, len(g), int((g.prem > 0).sum()), int((g.prem < 0).sum()),
                  int(g.prem.sum()), int(g.after.sum()))
            x = g[g.imd.notna()]
            if year == 2013 and len(x) >= 10 and x.pw.nunique() > 1 and x.imd.nunique() > 1:
                print('imd', ccg, len(x), *('%.12g' % v for v in spearman(x.pw, x.imd)[:4]))
        # the naive sum: every PMS practice with W > 0, core payment or not
        nv = d[(d.contract == 'PMS') & (d.w > 0)]
        nvp = sum(int(c) - half_up(w * r * 100) for c, w in zip(nv.core, nv.w))
        print('naive', year, len(nv), nvp, '%.10f' % (nvp / 100 / int(nv.w.sum())))


if __name__ == '__main__':
    main()
