#!/usr/bin/env python3
"""Regenerates pbc_like.csv: 312 synthetic patients shaped like R's `pbc` data (see README.md).

    python3 make_pbc_like.py                 # writes pbc_like.csv to standard output
    python3 make_pbc_like.py OUT.csv         # writes OUT.csv
    python3 make_pbc_like.py --check FILE    # checks FILE's format (columns, codings, decimals)

The original generating script was not committed. This one was reconstructed from the committed
file: with the seed and the draws below it reproduces pbc_like.csv byte for byte (check with
`python3 make_pbc_like.py | cmp - pbc_like.csv`; checked with Python 3.11). Only the standard
library is used: random.Random, whose seeding and random(), gauss(), expovariate(), uniform(),
choice() algorithms have not changed since Python 3.2.

Per patient, in this order: trt 1/2 with equal probability; age ~ Normal(50, 10), one decimal;
sex f with probability 0.88; edema 0 / 0.5 / 1 with probabilities 0.85 / 0.09 / 0.06; bili =
exp(Normal(0.6, 1)), one decimal; albumin ~ Normal(3.5, 0.4), two decimals; protime ~
Normal(10.7, 1), one decimal. Then three independent times in days: death ~ Exponential with rate
exp(lp) / 3000, lp = 0.04 (age - 50) + 0.9 edema + 0.8 log(bili) - log(albumin / 3.5)
+ 2 log(protime / 10.7) (from the rounded covariates); transplant ~ Exponential with rate 1/15000;
censoring ~ Uniform(400, 4800). time = round(min) + 1; status 2 = death, 1 = transplant,
0 = censored, whichever time is smallest.
"""

import csv
import math
import random
import sys

SEED = 20261126
N = 312
COLUMNS = ["id", "time", "status", "trt", "age", "sex", "edema", "bili", "albumin", "protime"]


def generate(seed=SEED, n=N):
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        trt = rng.choice((1, 2))
        age = round(rng.gauss(50, 10), 1)
        sex = "f" if rng.random() < 0.88 else "m"
        u = rng.random()
        edema = 0 if u < 0.85 else (0.5 if u < 0.94 else 1)
        bili = round(math.exp(rng.gauss(0.6, 1.0)), 1)
        albumin = round(rng.gauss(3.5, 0.4), 2)
        protime = round(rng.gauss(10.7, 1.0), 1)
        lp = (0.04 * (age - 50) + 0.9 * edema + 0.8 * math.log(bili)
              - 1.0 * math.log(albumin / 3.5) + 2.0 * math.log(protime / 10.7))
        t_death = rng.expovariate(math.exp(lp) / 3000)
        t_transplant = rng.expovariate(1 / 15000)
        t_censor = rng.uniform(400, 4800)
        t = min(t_death, t_transplant, t_censor)
        status = 2 if t == t_death else (1 if t == t_transplant else 0)
        # Python's str() of each value: 1.0, 35.0, 3.8 (albumin 3.80), edema 0 / 0.5 / 1.
        rows.append([i, round(t) + 1, status, trt, age, sex, edema, bili, albumin, protime])
    return rows


def write(rows, out):
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    w.writerows(rows)


def check(path):
    """Checks the format the golden tests rely on; returns a list of problems."""
    problems = []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    if header != COLUMNS:
        problems.append(f"header {header} != {COLUMNS}")
    if len(rows) != N:
        problems.append(f"{len(rows)} rows, expected {N}")
    for k, r in enumerate(rows, start=1):
        if len(r) != len(COLUMNS):
            problems.append(f"row {k}: {len(r)} fields")
            continue
        rec = dict(zip(COLUMNS, r))
        checks = [
            (rec["id"] == str(k), "id not 1..n in order"),
            (rec["time"].isdigit() and int(rec["time"]) >= 1, "time not a positive whole number of days"),
            (rec["status"] in ("0", "1", "2"), "status not 0/1/2"),
            (rec["trt"] in ("1", "2"), "trt not 1/2"),
            (rec["sex"] in ("m", "f"), "sex not m/f"),
            (rec["edema"] in ("0", "0.5", "1"), "edema not 0/0.5/1"),
        ]
        for col, decimals in (("age", 1), ("bili", 1), ("albumin", 2), ("protime", 1)):
            v = rec[col]
            ok = "." in v and 1 <= len(v.split(".")[1]) <= decimals and float(v) > 0
            checks.append((ok, f"{col} not positive with at most {decimals} decimal(s)"))
        problems += [f"row {k}: {msg}: {r}" for ok, msg in checks if not ok]
    return problems


def main(argv):
    if len(argv) == 2 and argv[0] == "--check":
        problems = check(argv[1])
        for p in problems:
            print(p)
        print(f"{argv[1]}: " + ("OK" if not problems else f"{len(problems)} problem(s)"))
        return 1 if problems else 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(__doc__, file=sys.stderr)
        return 2
    rows = generate()
    if argv:
        with open(argv[0], "w", newline="") as out:
            write(rows, out)
    else:
        write(rows, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
