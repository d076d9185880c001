#!/usr/bin/env python3
"""Joins bench/results.md (lart) and bench/results-R.md (R) into the side-by-side tables of
bench/README.md: seconds per step, R / lart, the target at 10^6 rows, memory, and the
largest relative difference between the check values of the two programs.

    python3 bench/sidebyside.py [bench/results.md] [bench/results-R.md]
"""
import sys

TARGETS_1E6 = {"CSV load": 0.2, "KM by group + 2 times": 0.075, "log-rank": 0.1,
               "Cox Efron, 5 cov": 0.5, "cuminc by group": 0.1}


def tables(path):
    """Every Markdown table in the file, keyed by the heading above it."""
    out, heading, rows = {}, None, None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("## "):
            heading = line[3:].strip()
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if rows is None:
                rows = [cells]
            elif not set("".join(cells)) <= set("-:"):
                rows.append(cells)
        elif rows is not None:
            out.setdefault(heading, rows)
            rows = None
    if rows is not None:
        out.setdefault(heading, rows)
    return out


def by_rows(table):
    header, body = table[0], table[1:]
    return header, {r[0]: dict(zip(header, r)) for r in body}


def main():
    lart_path = sys.argv[1] if len(sys.argv) > 1 else "bench/results.md"
    r_path = sys.argv[2] if len(sys.argv) > 2 else "bench/results-R.md"
    lart, r = tables(lart_path), tables(r_path)
    header, lt = by_rows(lart["Times (seconds)"])
    _, rt = by_rows(r["Times (seconds)"])
    steps = header[1:]
    print("| rows | step | lart (s) | R (s) | R / lart | target at 10^6 (s) | lart meets it |")
    print("|---:|---|---:|---:|---:|---:|:---:|")
    for n in lt:
        for s in steps:
            a = float(lt[n][s])
            b = float(rt[n][s]) if n in rt else None
            target = TARGETS_1E6.get(s) if n == "1000000" else None
            print(f"| {n} | {s} | {a:.4f} | {'-' if b is None else f'{b:.4f}'} | "
                  f"{'-' if b is None else f'{b / a:.1f}'} | {'' if target is None else target} | "
                  f"{'' if target is None else ('yes' if a <= target else 'no')} |")
    print()
    mh = "Memory (MB = 10^6 bytes)"
    _, lm = by_rows(lart[mh])
    _, rm = by_rows(r[mh])
    print("| rows | raw columns (MB) | lart peak RSS (MB) | lart peak / raw | R peak RSS (MB) | R peak / raw |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in lm:
        rr = rm.get(n)
        print(f"| {n} | {lm[n]['raw columns']} | {lm[n]['peak RSS']} | {lm[n]['peak / raw']} | "
              f"{rr['peak RSS'] if rr else '-'} | {rr['peak / raw'] if rr else '-'} |")
    print()
    lc, rc = {}, {}
    for row in lart["Check values"][1:]:
        lc[(row[0], row[1])] = float(row[2])
    for row in r["Check values"][1:]:
        rc[(row[0], row[1])] = float(row[2])
    print("| rows | check values compared | largest relative difference lart vs R | where |")
    print("|---:|---:|---:|---|")
    for n in sorted({k[0] for k in lc if k in rc}, key=int):
        keys = [k for k in lc if k[0] == n and k in rc]
        worst, where = 0.0, ""
        for k in keys:
            a, b = lc[k], rc[k]
            d = abs(a - b) / max(abs(b), 1e-300)
            if d >= worst:
                worst, where = d, k[1]
        print(f"| {n} | {len(keys)} | {worst:.1e} | {where} |")


if __name__ == "__main__":
    main()
