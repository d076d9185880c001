#!/bin/sh
# The registry benchmark in one command (issue 10): builds lart-bench, writes the registry
# files (bench/out/registry-<rows>.csv, seeded), then measures lart, polars and R on the
# same files in the same run, and joins the three reports.
#
#   sh bench/registry.sh                      # 10^6 and 10^7 rows, whole run at 10^6
#   ROWS=100000,1000000 sh bench/registry.sh  # other sizes
#   ROUNDS=1 REPEATS=3 sh bench/registry.sh   # quicker, noisier
#
# The three programs take turns: ROUNDS rounds of lart, polars, R, each measurement best of
# REPEATS in a fresh process. On a shared machine the speed drifts over minutes; with the
# programs measured once after the other a drift favours one of them, so each round is
# short and each number in the side-by-side tables is the best over the rounds. Each
# program's report (bench/results-registry*.md) holds its rounds one after the other.
#
# Needs: Swift, python3 with polars (pip install polars), R with data.table, survival, cmprsk.
set -e
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000,10000000}
RUN_ROWS=${RUN_ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
REPEATS=${REPEATS:-3}
swift build -c release --product lart-bench
swift build -c release --product lart
rounds=bench/out/rounds
rm -rf "$rounds"
mkdir -p "$rounds"
for k in $(seq "$ROUNDS"); do
    echo "== round $k of $ROUNDS"
    .build/release/lart-bench --registry "$ROWS" --run-rows "$RUN_ROWS" --repeats "$REPEATS" --out "$rounds/lart-$k.md"
    python3 bench/polars.py --rows "$ROWS" --repeats "$REPEATS" --out "$rounds/polars-$k.md"
    Rscript bench/compare.R --registry "$ROWS" --run-rows "$RUN_ROWS" --repeats "$REPEATS" --out "$rounds/R-$k.md"
done
# Each program's rounds in one report, a marker line before each.
for who in lart:results-registry.md polars:results-registry-polars.md R:results-registry-R.md; do
    name=${who%%:*}; file=bench/${who#*:}
    : > "$file"
    for k in $(seq "$ROUNDS"); do
        printf '<!-- round %s -->\n' "$k" >> "$file"
        cat "$rounds/$name-$k.md" >> "$file"
        printf '\n' >> "$file"
    done
done
python3 bench/sidebyside.py --registry > bench/results-registry-sidebyside.md
# The same whole run through `lart run` (the language: parse, check, use, endpoints, report),
# best of 5, in a fresh process each time.
for n in $(echo "$RUN_ROWS" | tr , ' '); do
    .build/release/lart run bench/registry.lart --param data=bench/out/registry-$n.csv > bench/out/registry-lart-run-$n.txt
    best=""
    for k in 1 2 3 4 5; do
        t=$( { /usr/bin/time -f "%e" .build/release/lart run bench/registry.lart --param data=bench/out/registry-$n.csv > /dev/null; } 2>&1 | tail -1)
        best=$(printf "%s\n%s\n" "$best" "$t" | grep . | sort -g | head -1)
    done
    echo "lart run bench/registry.lart at $n rows: best of 5 $best s (wall, whole process: start-up, check of the script on the data, run, output)" >> bench/results-registry-sidebyside.md
done
cat bench/results-registry-sidebyside.md
