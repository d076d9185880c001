#!/bin/sh
# The registry benchmark in one command (issue 10): builds lart-bench, writes the registry
# files (bench/out/registry-<rows>.csv, seeded), then measures lart, polars and R on the
# same files in the same run, and joins the three reports.
#
#   sh bench/registry.sh                      # 10^6 and 10^7 rows, whole run at 10^6
#   ROWS=100000,1000000 sh bench/registry.sh  # other sizes
#
# Needs: Swift, python3 with polars (pip install polars), R with data.table, survival, cmprsk.
set -e
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000,10000000}
RUN_ROWS=${RUN_ROWS:-1000000}
REPEATS=${REPEATS:-3}
swift build -c release --product lart-bench
.build/release/lart-bench --registry "$ROWS" --run-rows "$RUN_ROWS" --repeats "$REPEATS"
python3 bench/polars.py --rows "$ROWS" --repeats "$REPEATS"
Rscript bench/compare.R --registry "$ROWS" --run-rows "$RUN_ROWS" --repeats "$REPEATS"
python3 bench/sidebyside.py --registry > bench/results-registry-sidebyside.md
# The same whole run through `lart run` (the language: parse, use, endpoints, report), best of 3.
swift build -c release --product lart
for n in $(echo "$RUN_ROWS" | tr , ' '); do
    .build/release/lart run bench/registry.lart --param data=bench/out/registry-$n.csv > bench/out/registry-lart-run-$n.txt
    best=""
    for k in 1 2 3; do
        t=$( { /usr/bin/time -f "%e" .build/release/lart run bench/registry.lart --param data=bench/out/registry-$n.csv > /dev/null; } 2>&1 | tail -1)
        best=$(printf "%s\n%s\n" "$best" "$t" | grep . | sort -g | head -1)
    done
    echo "lart run bench/registry.lart at $n rows: best of 3 $best s (wall, whole process)" >> bench/results-registry-sidebyside.md
done
cat bench/results-registry-sidebyside.md
