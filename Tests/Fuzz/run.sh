#!/usr/bin/env bash
# Build the fuzz targets (instrumented with libFuzzer and AddressSanitizer, in their own
# scratch folder) and run one: bash Tests/Fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
# TARGET: parser | interpreter | sqlite | csv. Crashes land in Tests/Fuzz/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?usage: run.sh parser|interpreter|sqlite|csv SECONDS}"
seconds="${2:-600}"
shift 2 || true
cd "$here"
# SwiftPM keeps the build plan of the lart package it depends on: a source file added there
# since the last build would be missing ("cannot find ... in scope"). Plan afresh each time
# (the compiled modules are kept, so this costs a second).
rm -f "$here/.build-fuzz/release.yaml"
swift build -c release --product "lart-fuzz-$target" --scratch-path "$here/.build-fuzz" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
corpus="$here/corpus/$target"
work="$here/work/$target"      # the corpus libFuzzer grows (not committed)
mkdir -p "$work" "$here/artifacts"
max_len=100000
[ "$target" = sqlite ] && max_len=70000
exec "$here/.build-fuzz/release/lart-fuzz-$target" "$work" "$corpus" \
    -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=4096 -timeout=10 \
    -artifact_prefix="$here/artifacts/" -print_final_stats=1 "$@"
