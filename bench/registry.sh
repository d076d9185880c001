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
# The same whole run through `lart run` (the language: start-up, parse, check, use, endpoints,
# report) and through `Rscript bench/registry.R` (start-up, packages, fread, the four analyses,
# printed): whole processes, taking turns, best of 5 each, in a fresh process each time.
for n in $(echo "$RUN_ROWS" | tr , ' '); do
    data=bench/out/registry-$n.csv
    .build/release/lart run bench/registry.lart --param data=$data > bench/out/registry-lart-run-$n.txt
    lart_best=""; r_best=""; lart_all=""; r_all=""
    for k in 1 2 3 4 5; do
        t=$( { /usr/bin/time -f "%e" .build/release/lart run bench/registry.lart --param data=$data > /dev/null; } 2>&1 | tail -1)
        lart_all="$lart_all $t"
        lart_best=$(printf "%s\n%s\n" "$lart_best" "$t" | grep . | sort -g | head -1)
        t=$( { /usr/bin/time -f "%e" Rscript bench/registry.R $data > bench/out/registry-R-run-$n.txt; } 2>&1 | tail -1)
        r_all="$r_all $t"
        r_best=$(printf "%s\n%s\n" "$r_best" "$t" | grep . | sort -g | head -1)
    done
    ratio=$(awk -v r="$r_best" -v l="$lart_best" 'BEGIN { printf "%.1f", r / l }')
    {
        echo
        echo "Whole processes at $n rows, taking turns, best of 5 (wall seconds, start-up and printing included):"
        echo
        echo "| run | best (s) | all five (s) |"
        echo "|---|---:|---|"
        echo "| \`lart run bench/registry.lart\` | $lart_best |$lart_all |"
        echo "| \`Rscript bench/registry.R\` | $r_best |$r_all |"
        echo "| R / lart | $ratio (goal 25) | |"
    } >> bench/results-registry-sidebyside.md
done
cat bench/results-registry-sidebyside.md
