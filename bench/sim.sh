#!/usr/bin/env bash
# Many random fault schedules on the deterministic simulator (src/core/sim.rs), in release:
# crashes that restart from what was flushed, partitions, dropped connections, delayed and
# reordered messages. Prints how many schedules ran, how long it took, and the seed of any
# failure (rerun one seed with: RSENTINEL_SIM_FIRST_SEED=<seed> RSENTINEL_SIM_SCHEDULES=1
# cargo test --release --lib random_fault_schedules -- --nocapture).
#
#   bench/sim.sh [SCHEDULES] [FIRST_SEED]     (defaults: 10000, 0)
set -euo pipefail
cd "$(dirname "$0")/.."
schedules=${1:-10000}
first=${2:-0}
cargo test --release --lib --no-run >/dev/null 2>&1 || cargo test --release --lib --no-run
start=$(date +%s)
set +e
out=$(RSENTINEL_SIM_SCHEDULES=$schedules RSENTINEL_SIM_FIRST_SEED=$first \
    cargo test --release --lib random_fault_schedules 2>&1)
status=$?
set -e
elapsed=$(( $(date +%s) - start ))
if [ $status -eq 0 ]; then
    echo "sim: $schedules schedules from seed $first: all safe and converged (${elapsed} s)"
else
    echo "$out" | grep -E "seed [0-9]+" | head -5
    seed=$(echo "$out" | grep -oE "seed [0-9]+" | head -1 | awk '{print $2}')
    echo "sim: FAILED at seed ${seed:-?} after ${elapsed} s (schedules run in seed order from $first)"
    exit 1
fi
