#!/usr/bin/env bash
# Pushdown versus fetching the table, on a registry-like table in a local PostgreSQL.
#
#   bash bench/pushdown.sh [ROWS]          (default 10000000; needs .build/release/lart)
#
# Starts a throwaway cluster (.ci/postgres), generates `bench` with PostgreSQL's own
# generate_series and random() (setseed(0.42), so every run has the same rows): 14 columns
# with text, dates, numbers and missing values. Then runs one script three ways and reports,
# for each, the seconds and peak memory (/usr/bin/time), the seconds the server spent on
# lart's statements (summed from its log, log_min_duration_statement = 0) and the rows and
# bytes lart fetched (summed from `--explain`: each statement's rows and the bytes of its
# values):
#   pushdown   the default: the 4 steps of the cohort and its flow in the database, KM by
#              group and log-rank from the inputs grouped and counted there;
#   off        `set pushdown off`: the columns the script names are fetched, all in lart;
#   all        `set pushdown off` and a `list` (which shows every column): the whole table.
# The outputs of the three runs are compared (they must be identical). Stops the cluster.
set -euo pipefail
ROWS=${1:-10000000}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lart=${LART:-$repo/.build/release/lart}
[ -x "$lart" ] || { echo "build first: swift build -c release --product lart" >&2; exit 2; }
work=$(mktemp -d /tmp/lart-pushdown-bench.XXXXXX)
# shellcheck source=../.ci/postgres
source "$repo/.ci/postgres"
pg_start >&2
trap 'pg_stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
port=${LART_PG_URL##*:}; port=${port%%/*}
psql=("$LART_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$LART_PG_DIR" -p "$port" -U postgres)

echo "generating $ROWS rows ..." >&2
t0=$(date +%s.%N)
"${psql[@]}" -d lart >/dev/null <<SQL
SELECT setseed(0.42);
CREATE TABLE bench AS
SELECT 'P' || lpad(g::text, 8, '0') AS patient_id,
       CASE WHEN r.x1 < 0.52 THEN 'F' ELSE 'M' END AS sex,
       CASE WHEN r.x2 < 0.02 THEN NULL ELSE 30 + floor(r.x2 * 60)::int END AS age,
       CASE WHEN r.x3 < 0.70 THEN 'adenocarcinoma' WHEN r.x3 < 0.90 THEN 'squamous' ELSE 'other' END AS histology,
       CASE WHEN r.x4 < 0.80 THEN 'IV' ELSE 'III' END AS stage,
       1 + floor(r.x5 * 6)::int AS mets_at_dx,
       CASE WHEN r.x6 < 0.10 THEN NULL WHEN r.x6 < 0.40 THEN 'mutant' ELSE 'wild_type' END AS egfr,
       CASE WHEN r.x7 < 0.40 THEN 'tki' WHEN r.x7 < 0.80 THEN 'chemo' ELSE 'io' END AS first_line,
       round((30 + r.x8 * 30)::numeric, 1) AS rt_dose_gy,
       1 + floor(r.x9 * 10)::int AS rt_fractions,
       s.start - (30 + floor(r.x10 * 300)::int) AS diagnosis_date,
       s.start AS lart_date,
       CASE WHEN r.x11 < 0.55 THEN s.start + floor(s.fu * r.x12)::int END AS progression_date,
       CASE WHEN s.dead THEN s.start + s.fu END AS death_date,
       s.start + s.fu AS last_contact_date
FROM generate_series(1, $ROWS) AS g,
     LATERAL (SELECT random() AS x1, random() AS x2, random() AS x3, random() AS x4, random() AS x5, random() AS x6,
                     random() AS x7, random() AS x8, random() AS x9, random() AS x10, random() AS x11, random() AS x12,
                     random() AS x13, random() AS x14, random() AS x15, g AS _g) AS r,
     LATERAL (SELECT DATE '2010-01-01' + floor(r.x13 * 3650)::int AS start, floor(-400 * ln(1 - r.x14))::int % 2500 AS fu,
                     r.x15 < 0.6 AS dead) AS s;
GRANT SELECT ON bench TO lart;
ANALYZE bench;
SQL
t1=$(date +%s.%N)
size=$("${psql[@]}" -d lart -At -c "SELECT pg_size_pretty(pg_total_relation_size('bench'))")
echo "generated in $(echo "$t1 - $t0" | bc) s, table size $size" >&2

# The server logs every statement's duration: the time spent in the database, per run.
"${psql[@]}" -d lart >/dev/null -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()"
log="$LART_PG_DIR/server.log"
url="postgresql://lart@127.0.0.1:$port/lart"
body='use "'"$url"'" table bench as registry
endpoint os = from lart_date to death_date censor last_contact_date
cohort c = registry
  | require histology == "adenocarcinoma"
  | require stage == "IV"
  | exclude mets_at_dx > 3
  | where age >= 40 and egfr is not missing
flow c
cohort c | km os by sex at 12mo, 36mo | logrank'
printf '%s\n' "$body" >"$work/pushdown.lart"
printf 'set pushdown off\n%s\n' "$body" >"$work/off.lart"
printf 'set pushdown off\n%s\ncohort c | list limit 3\n' "$body" >"$work/all.lart"

printf '| run | seconds | of which in the database | peak memory | statements | rows fetched | bytes fetched |\n|---|---|---|---|---|---|---|\n'
for mode in pushdown off all; do
  before=$(wc -c <"$log")
  /usr/bin/time -f "%e %M" -o "$work/$mode.time" "$lart" run "$work/$mode.lart" --explain >"$work/$mode.out" 2>"$work/$mode.err"
  read -r secs kb <"$work/$mode.time"
  db=$(tail -c +"$((before + 1))" "$log" | grep -o 'duration: [0-9.]* ms' | awk '{s+=$2} END {printf "%.1f", s / 1000}')
  stats=$(grep -E '^-- [0-9]+ rows?, [0-9]+ bytes$' "$work/$mode.err" | awk '{n++; r+=$2; b+=$4} END {printf "%d %d %d", n, r, b}')
  read -r n r b <<<"$stats"
  printf '| %s | %s | %s | %d MB | %d | %d | %d (%.1f MB) |\n' "$mode" "$secs" "$db" $((kb / 1024)) "$n" "$r" "$b" "$(echo "$b / 1048576" | bc -l)"
done
# The analyses are the same whichever way they ran (`all` adds the listed rows).
diff "$work/pushdown.out" "$work/off.out" >&2 && echo "outputs: pushdown and off identical" >&2
echo "--- output with pushdown ---" >&2
cat "$work/pushdown.out" >&2
echo "--- statements sent with pushdown ---" >&2
cat "$work/pushdown.err" >&2
