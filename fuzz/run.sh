#!/usr/bin/env bash
# Runs one fuzz target for a while: replays the committed seeds
# (fuzz/corpus/parse: fixtures and exporter-made models), then mutates them,
# keeping new inputs in a scratch corpus. Prints libFuzzer's final line
# ("Done N runs in S second(s)") and exits non-zero on a finding (the input
# goes to fuzz/artifacts/<target>/).
# Usage: bash fuzz/run.sh [target (finite)] [seconds (1800)] [scratch corpus dir]
# Maintainers: a long run of the property target is
#   nice bash fuzz/run.sh finite 1800
# (docs/BENCHMARKS.md, "Fuzzing", has the numbers of a recent one).
set -euo pipefail
cd "$(dirname "$0")"
target=${1:-finite}
seconds=${2:-1800}
corpus=${3:-$(mktemp -d)}
mkdir -p "$corpus"
# Mutants may grow past the largest seed (tens of KB), as users' files do.
max_len=65536
log=$(mktemp)
env -u CARGO_TARGET_DIR -u RUSTFLAGS cargo +nightly fuzz run -O "$target" "$corpus" corpus/parse -- \
    -max_len="$max_len" -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1 || {
    tail -n 60 "$log"
    exit 1
}
grep -E '^Done [0-9]+ runs' "$log"
grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$log" || true
