#!/usr/bin/env python3
"""Joins bench/results.md (lart) and bench/results-R.md (R) into the side-by-side tables of
bench/README.md: seconds per step, R / lart, the target at 10^6 rows, memory, and the
largest relative difference between the check values of the two programs.

    python3 bench/sidebyside.py [bench/results.md] [bench/results-R.md]
    python3 bench/sidebyside.py --registry [bench/results-registry.md] [bench/results-registry-R.md] [bench/results-registry-polars.md]

The second form joins the registry file's results (lart-bench --registry, compare.R
--registry, polars.py): `use` against fread and polars with all columns and with the
script's 7, the growth from the smallest to the largest size, peak memory against the raw
columns, the whole run against R, and the goals of issue 10 each met or not. A report may
hold several rounds (`<!-- round K -->` before each, as bench/registry.sh writes them): each
number is then the best over the rounds.
"""
import sys

TARGETS_1E6 = {"CSV load": 0.2, "KM by group + 2 times": 0.075, "log-rank": 0.1,
               "Cox Efron, 5 cov": 0.5, "cuminc by group": 0.1}


def rounds(path):
    """The tables of each round of a report (rounds follow `<!-- round K -->` lines; a
    report without them is one round)."""
    chunks, current = [], []
    for line in open(path, encoding="utf-8"):
        if line.startswith("<!-- round "):
            if current:
                chunks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        chunks.append(current)
    return [tables(c) for c in chunks if any(l.startswith("|") for l in c)]


def tables(lines):
    """Every Markdown table in the lines (or the file), keyed by the heading above it."""
    out, heading, rows = {}, None, None
    if isinstance(lines, str):
        lines = open(lines, encoding="utf-8")
    for line in lines:
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


def check_values(lart, r):
    """The largest relative difference between the check values both files have, per size."""
    lc = {(row[0], row[1]): float(row[2]) for row in lart.get("Check values", [[]])[1:]}
    rc = {(row[0], row[1]): float(row[2]) for row in r.get("Check values", [[]])[1:]}
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


def registry(argv):
    paths = argv + ["bench/results-registry.md", "bench/results-registry-R.md", "bench/results-registry-polars.md"][len(argv):]
    lart_rounds, r_rounds, pl_rounds = (rounds(p) for p in paths)
    lart, r = lart_rounds[0], r_rounds[0]
    # Each cell is the best over the rounds: seconds the least, peak memory the most.
    use = {}
    for name, reports in (("lart", lart_rounds), ("fread", r_rounds), ("polars", pl_rounds)):
        for t in reports:
            header, *body = t["Use"]
            for row in body:
                cell = dict(zip(header, row))
                key = (name, row[0], row[1])
                if key not in use:
                    use[key] = cell
                    continue
                best = use[key]
                if float(cell["use (s)"]) < float(best["use (s)"]):
                    best["use (s)"] = cell["use (s)"]
                if "peak RSS (MB)" in cell and float(cell["peak RSS (MB)"]) > float(best["peak RSS (MB)"]):
                    best["peak RSS (MB)"] = cell["peak RSS (MB)"]
                    if "raw columns (MB)" in best:
                        best["peak / raw"] = f"{float(cell['peak RSS (MB)']) / float(best['raw columns (MB)']):.2f}"
    k = len(lart_rounds)
    print(f"Best over {k} round{'s' if k != 1 else ''} of lart, polars and R taking turns (seconds: the least; peak memory: the most).")
    print()
    sizes = sorted({k[1] for k in use if k[0] == "lart"}, key=int)
    widths = sorted({k[2] for k in use if k[0] == "lart"}, key=int, reverse=True)
    sec = lambda who, n, c: float(use[(who, n, c)]["use (s)"]) if (who, n, c) in use else None
    print("| rows | columns | lart `use` (s) | polars (s) | fread (s) | polars / lart | fread / lart | 2x faster than both |")
    print("|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for n in sizes:
        for c in widths:
            a, p, f = sec("lart", n, c), sec("polars", n, c), sec("fread", n, c)
            ratio = lambda x: "-" if x is None else f"{x / a:.2f}"
            met = "-" if p is None or f is None else ("yes" if p / a >= 2 and f / a >= 2 else "no")
            print(f"| {n} | {c} | {a:.4f} | {'-' if p is None else f'{p:.4f}'} | {'-' if f is None else f'{f:.4f}'} | "
                  f"{ratio(p)} | {ratio(f)} | {met} |")
    if len(sizes) >= 2:
        lo, hi = sizes[0], sizes[-1]
        print()
        print(f"| columns | growth {lo} to {hi}: lart | polars | fread | lart at most 11x |")
        print("|---:|---:|---:|---:|:---:|")
        for c in widths:
            g = {w: (sec(w, hi, c) / sec(w, lo, c) if sec(w, hi, c) and sec(w, lo, c) else None) for w in ("lart", "polars", "fread")}
            fmt = lambda x: "-" if x is None else f"{x:.1f}"
            print(f"| {c} | {fmt(g['lart'])} | {fmt(g['polars'])} | {fmt(g['fread'])} | {'yes' if g['lart'] and g['lart'] <= 11 else 'no'} |")
    print()
    print("| rows | columns | raw columns (MB) | lart peak RSS (MB) | lart peak / raw | at most 2x | polars peak (MB) | R peak (MB) |")
    print("|---:|---:|---:|---:|---:|:---:|---:|---:|")
    for n in sizes:
        for c in widths:
            m = use[("lart", n, c)]
            ratio = float(m["peak / raw"])
            pp = use.get(("polars", n, c), {}).get("peak RSS (MB)", "-")
            rp = use.get(("fread", n, c), {}).get("peak RSS (MB)", "-")
            print(f"| {n} | {c} | {m['raw columns (MB)']} | {m['peak RSS (MB)']} | {ratio:.2f} | {'yes' if ratio <= 2 else 'no'} | {pp} | {rp} |")
    if "Whole run" in lart and "Whole run" in r:
        def best_run(reports):
            header, best = by_rows(reports[0]["Whole run"])
            for t in reports[1:]:
                _, rows = by_rows(t["Whole run"])
                for n, row in rows.items():
                    for step in header[1:]:
                        if n in best and float(row[step]) < float(best[n][step]):
                            best[n][step] = row[step]
            return header, best
        _, lw = best_run(lart_rounds)
        header, rw = best_run(r_rounds)
        print()
        print("| rows | step | lart (s) | R (s) | R / lart |")
        print("|---:|---|---:|---:|---:|")
        for n in lw:
            if n not in rw:
                continue
            for step in header[1:]:
                a, b = float(lw[n][step]), float(rw[n][step])
                print(f"| {n} | {step} | {a:.4f} | {b:.4f} | {b / a:.1f}{' (goal 25)' if step == 'total' else ''} |")
        print()
        check_values(lart, r)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--registry":
        registry(sys.argv[2:])
        return
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
    check_values(lart, r)


if __name__ == "__main__":
    main()
