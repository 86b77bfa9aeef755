#!/usr/bin/env bash
# Run every fuzz target of fuzz/ for SECONDS each (default 60), one after the other, each in
# one process on one core. New inputs go to fuzz/work/<target>/ (not committed); the committed
# seeds in fuzz/corpus/<target>/ are read first, so every run re-checks them. A crash stops
# the script with libFuzzer's report; the input that caused it is in fuzz/artifacts/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Needs a nightly toolchain and cargo-fuzz (installed from crates.io when missing). Prints one
# line per target: seconds, executions, corpus size, coverage.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(resp_request link_reply info_report hello_message sentinel_conf toml_config glob)
fi

ensure_fuzz_tools || exit 1

log "cargo +nightly fuzz build"
cargo +nightly fuzz build

summary=()
for t in "${targets[@]}"; do
    mkdir -p "fuzz/work/$t"
    log "fuzzing $t for ${secs}s"
    out="fuzz/work/$t.log"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a leak or a huge allocation.
    if ! cargo +nightly fuzz run "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$out" 2>&1; then
        tail -n 60 "$out"
        echo "fuzz target $t FAILED (log: $out, input: fuzz/artifacts/$t/)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
    corpus=$(find "fuzz/work/$t" -type f | wc -l)
    cov=$(grep -o 'cov: [0-9]*' "$out" | tail -n 1 | cut -d' ' -f2)
    summary+=("$(printf '%-14s %6ss %12s runs %7s inputs %7s cov' "$t" "$secs" "${runs:-?}" "$corpus" "${cov:-?}")")
done
log "summary ($(date -u +%Y-%m-%d))"
printf '%s\n' "${summary[@]}"
