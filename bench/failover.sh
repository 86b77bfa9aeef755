#!/usr/bin/env bash
# Failover time, redis-sentinel vs rsentinel, side by side.
#
# For each implementation and each run: start 1 master + 2 replicas + 3 sentinels on free
# 127.0.0.1 ports, wait until every sentinel has discovered the replicas and its peers,
# SIGKILL the master, and measure the time until all three sentinels report the same new
# master with SENTINEL GET-MASTER-ADDR-BY-NAME (polled every 50 ms). Prints one line per run
# and a summary table. Numbers are informational: nothing is asserted.
#
#   bench/failover.sh [--runs N] [--down-after MS] [--failover-timeout MS]
#                     [--only redis-sentinel|rsentinel] [--no-build]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"

runs=3 down_after=1000 failover_timeout=10000 only="" build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift ;;
        --down-after) down_after=$2; shift ;;
        --failover-timeout) failover_timeout=$2; shift ;;
        --only) only=$2; shift ;;
        --no-build) build=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done

ensure_packages redis-server redis-sentinel redis-tools

impls=(redis-sentinel rsentinel)
[ -n "$only" ] && impls=("$only")
declare -A bin
bench_binaries "$build" "${impls[@]}"

bench_workdir rsentinel-bench

# one_run IMPL N: sets run_result to the failover time in ms, or "failed: <why>" (never aborts
# the bench). Runs in the main shell so that `pids` stays visible to the cleanup trap.
one_run() {
    local impl=$1 n=$2 dir=$work/$1-$2 name=bench-$$-$1-$2
    local t0 t1
    pids=()
    start_deployment "$dir" "$name" "${bin[$impl]}" "$down_after" "$failover_timeout" ||
        { run_result="failed: $dep_error"; return; }
    t0=$(now_ms)
    kill -KILL "$dep_master_pid"
    local deadline=$((t0 + 120000))
    until all_agree_on_new_master "$name" "$dep_master" "${dep_sentinels[@]}"; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            run_result="failed: no agreement on a new master within 120 s"
            return
        fi
        sleep 0.05
    done
    t1=$(now_ms)
    run_result=$((t1 - t0))
    stop_pids "${pids[@]}"
    pids=()
}

declare -A results
echo "failover time: SIGKILL of the master -> all 3 sentinels report the new master"
echo "(down-after-milliseconds $down_after, failover-timeout $failover_timeout, $runs runs each)"
for impl in "${impls[@]}"; do
    results[$impl]=""
    for n in $(seq 1 "$runs"); do
        run_result=""
        one_run "$impl" "$n"
        r=$run_result
        [ "${#pids[@]}" -gt 0 ] && stop_pids "${pids[@]}" # leftovers of a failed run
        printf '  %-15s run %d: %s\n' "$impl" "$n" "$r$([[ $r =~ ^[0-9]+$ ]] && echo ' ms')"
        if [[ $r =~ ^[0-9]+$ ]]; then results[$impl]+="$r "; else bench_keep=1; fi
    done
done

echo
printf '| %-15s | %4s | %8s | %8s | %8s |\n' implementation ok "min ms" "median" "max ms"
printf '|%s|%s|%s|%s|%s|\n' "-----------------" "------" "----------" "----------" "----------"
for impl in "${impls[@]}"; do
    read -r -a xs <<<"${results[$impl]}"
    if [ "${#xs[@]}" -eq 0 ]; then
        printf '| %-15s | %4s | %8s | %8s | %8s |\n' "$impl" "0/$runs" - - -
        continue
    fi
    mapfile -t sorted < <(printf '%s\n' "${xs[@]}" | sort -n)
    printf '| %-15s | %4s | %8s | %8s | %8s |\n' "$impl" "${#sorted[@]}/$runs" "${sorted[0]}" \
        "${sorted[$((${#sorted[@]} / 2))]}" "${sorted[-1]}"
done
