#!/usr/bin/env python3
"""polars' side of the registry benchmark: read_csv of bench/out/registry-<rows>.csv (written by
`lart-bench --registry`), all 14 columns and the 7 a script uses (`columns=`), best of
--repeats, each in a fresh process (peak RSS = ru_maxrss of that process). Writes the
"## Use" table of bench/results-registry.md's layout to bench/results-registry-polars.md.

    pip install polars
    python3 bench/polars.py [--rows 1000000,10000000] [--dir bench/out] [--out bench/results-registry-polars.md] [--repeats 3]

Types as lart infers them: ISO dates parsed (try_parse_dates), `NA` and empty fields
missing (null_values); all threads (polars' default pool).
"""
import argparse
import os
import resource
import subprocess
import sys
import time

SCRIPT_COLUMNS = ["age", "sex", "histology", "bmi", "time", "status", "cause"]


def measure(path, columns, repeats):
    # This file is polars.py: import the library, not itself.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    import polars as pl
    best, df = float("inf"), None
    for _ in range(repeats):
        df = None
        t0 = time.perf_counter()
        df = pl.read_csv(path, columns=columns, null_values=["NA"], try_parse_dates=True)
        best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kinds = ",".join(f"{n}={t}" for n, t in zip(df.columns, df.dtypes))
    print(f"rows {df.height}\ncolumns {df.width}\nseconds {best}\npeak {peak}\nthreads {pl.thread_pool_size()}\n"
          f"version {pl.__version__}\nkinds {kinds}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1000000,10000000")
    ap.add_argument("--dir", default="bench/out")
    ap.add_argument("--out", default="bench/results-registry-polars.md")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--measure")
    ap.add_argument("--columns")
    a = ap.parse_args()
    if a.measure:
        measure(a.measure, a.columns.split(",") if a.columns else None, a.repeats)
        return
    rows = [int(float(r)) for r in a.rows.split(",")]
    lines, info = [], {}
    for n in rows:
        path = f"{a.dir}/registry-{n}.csv"
        if not os.path.exists(path):
            sys.exit(f"{path} not found: run lart-bench --registry {n} first")
        reps = a.repeats  # the same at every size, as lart-bench and compare.R
        for cols in (None, SCRIPT_COLUMNS):
            args = [sys.executable, __file__, "--measure", path, "--repeats", str(reps)]
            if cols:
                args += ["--columns", ",".join(cols)]
            out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
            m = dict(line.split(" ", 1) for line in out.strip().split("\n"))
            info = m
            size = os.path.getsize(path)
            print(f"{n} rows, {m['columns']} columns: {float(m['seconds']):.4f} s, peak {int(m['peak']) / 1e6:.1f} MB")
            lines.append(f"| {n} | {m['columns']} | {size / 1e6:.1f} | {float(m['seconds']):.4f} | {int(m['peak']) / 1e6:.1f} |")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    md = [f"# Benchmark results: polars {info.get('version', '?')}, the registry file", "",
          f"- Machine: {cpu}, {os.cpu_count()} processors, polars thread pool {info.get('threads', '?')}",
          f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
          f"- Reader: `pl.read_csv(path, columns=..., null_values=['NA'], try_parse_dates=True)`; best of {a.repeats} "
          f"at every size, each measurement in a fresh process; peak RSS is ru_maxrss",
          f"- Column kinds read: {info.get('kinds', '')}", "", "## Use", "",
          "| rows | columns | CSV file (MB) | use (s) | peak RSS (MB) |", "|---:|---:|---:|---:|---:|"] + lines
    with open(a.out, "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
