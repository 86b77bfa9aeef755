#!/usr/bin/env bash
# Command throughput on the sentinel port, redis-sentinel vs rsentinel, in one run.
#
# Starts one redis-server per implementation and one sentinel of each kind monitoring it under
# --masters names (default 100: m0 .. m99), waits until every name is linked, then runs
# redis-benchmark (-c 50, plain and pipelined -P 16) for PING, SENTINEL
# GET-MASTER-ADDR-BY-NAME, SENTINEL MASTER, SENTINEL MASTERS and INFO against both. Runs are
# interleaved (each test, each round: both implementations, the order alternating between
# rounds) so that a machine whose load drifts treats both alike; the median of the rounds is
# kept. Prints requests/s, p99 latency and the CPU time per request (user+system of the
# sentinel process during the test) with their ratios per test, then the RSS of both
# sentinels after the run and the CPU time each spent serving it.
#
# Numbers depend on the machine (redis-benchmark itself takes about one core): they are
# informational, nothing is asserted.
#
#   bench/throughput.sh [--masters N] [--rounds R] [--scale F] [--no-build]
#
# --scale multiplies the request counts (default 1: about a minute per round on 2 cores).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"

masters=100 rounds=3 scale=1 build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --masters) masters=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --scale) scale=$2; shift ;;
        --no-build) build=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done

ensure_packages redis-server redis-sentinel redis-tools

impls=(redis-sentinel rsentinel)
declare -A bin port pid
bench_binaries "$build" "${impls[@]}"
clk_tck=$(getconf CLK_TCK)
bench_workdir rsentinel-throughput

# linked PORT: every name is linked (no "disconnected" flag) and has been heard from.
linked() {
    local n
    n=$(redis-cli -p "$1" SENTINEL MASTERS 2>/dev/null | awk '
        NR % 2 == 1 { key = $0; next }
        key == "flags" && $0 == "master" { ok++ }
        END { print ok + 0 }')
    [ "$n" -eq "$masters" ]
}

for impl in "${impls[@]}"; do
    dir=$work/$impl
    mkdir -p "$dir/server" "$dir/sentinel"
    p=$(free_port)
    pids+=("$(start_in "$dir/server" "$dir/server/log" redis-server --port "$p" --bind 127.0.0.1 \
        --save '' --appendonly no)")
    wait_while_alive "${pids[-1]}" 20 "redis-server $p ping" pings "$p"
    port[$impl]=$(free_port)
    {
        echo "port ${port[$impl]}"
        echo "bind 127.0.0.1"
        for ((i = 0; i < masters; i++)); do
            echo "sentinel monitor m$i 127.0.0.1 $p 2"
        done
    } >"$dir/sentinel/sentinel.conf"
    pid[$impl]=$(start_in "$dir/sentinel" "$dir/sentinel/log" "${bin[$impl]}" sentinel.conf)
    pids+=("${pid[$impl]}")
    wait_while_alive "${pid[$impl]}" 30 "$impl ping" pings "${port[$impl]}"
done
for impl in "${impls[@]}"; do
    wait_while_alive "${pid[$impl]}" 60 "$impl: $masters names linked" linked "${port[$impl]}"
done
sleep 2

# name requests pipeline command...
tests=(
    "PING|100000|400000|ping"
    "GET-MASTER-ADDR-BY-NAME|100000|400000|sentinel get-master-addr-by-name m0"
    "SENTINEL MASTER|50000|200000|sentinel master m0"
    "SENTINEL MASTERS ($masters)|3000|6000|sentinel masters"
    "INFO|30000|100000|info"
)

# bench IMPL PIPELINE N COMMAND...: "rps p99" of one redis-benchmark run.
bench() {
    local impl=$1 pipeline=$2 n=$3
    shift 3
    # shellcheck disable=SC2086
    redis-benchmark -p "${port[$impl]}" -c 50 -P "$pipeline" -n "$n" --csv "$@" 2>/dev/null |
        awk -F'","' 'NR == 2 { gsub(/"/, "", $2); gsub(/"/, "", $7); print $2, $7 }'
}

# median of the numbers on stdin.
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A cpu0
for impl in "${impls[@]}"; do cpu0[$impl]=$(cpu_ticks "${pid[$impl]}"); done

rows=()
for t in "${tests[@]}"; do
    IFS='|' read -r name n1 n16 cmd <<<"$t"
    for pipeline in 1 16; do
        n=$n1
        [ "$pipeline" -eq 16 ] && n=$n16
        n=$(awk -v n="$n" -v s="$scale" 'BEGIN { printf "%d", n * s }')
        declare -A rps=() p99=() ticks=()
        for ((r = 0; r < rounds; r++)); do
            order=("${impls[@]}")
            ((r % 2)) && order=(rsentinel redis-sentinel)
            for impl in "${order[@]}"; do
                c0=$(cpu_ticks "${pid[$impl]}")
                # shellcheck disable=SC2086
                read -r a b <<<"$(bench "$impl" "$pipeline" "$n" $cmd)"
                ticks[$impl]=$((${ticks[$impl]:-0} + $(cpu_ticks "${pid[$impl]}") - c0))
                rps[$impl]+="$a "
                p99[$impl]+="$b "
            done
        done
        line="$name|$pipeline"
        for impl in "${impls[@]}"; do
            line+="|$(tr ' ' '\n' <<<"${rps[$impl]}" | grep . | median)"
            line+="|$(tr ' ' '\n' <<<"${p99[$impl]}" | grep . | median)"
            line+="|$(awk -v t="${ticks[$impl]}" -v hz="$clk_tck" -v n="$n" -v r="$rounds" \
                'BEGIN { printf "%.2f", t / hz * 1e6 / (n * r) }')"
        done
        rows+=("$line")
        log "$line"
        unset rps p99 ticks
    done
done

echo
printf '%-26s %3s | %11s %11s %6s | %9s %9s %6s | %7s %7s %6s\n' "test" "-P" "redis req/s" "rsent req/s" \
    "ratio" "redis p99" "rsent p99" "ratio" "redis" "rsent" "ratio"
printf '%-26s %3s | %31s | %27s | %7s %7s\n' "" "" "" "" "CPU us/request" ""
printf '%s\n' "$(printf '%.0s-' {1..118})"
for row in "${rows[@]}"; do
    IFS='|' read -r name pipeline r_rps r_p99 r_cpu s_rps s_p99 s_cpu <<<"$row"
    awk -v name="$name" -v p="$pipeline" -v rr="$r_rps" -v rp="$r_p99" -v rc="$r_cpu" -v sr="$s_rps" \
        -v sp="$s_p99" -v sc="$s_cpu" 'BEGIN {
        printf "%-26s %3s | %11.0f %11.0f %5.2fx | %7.3fms %7.3fms %5.2fx | %7.2f %7.2f %5.2fx\n",
            name, p, rr, sr, (rr > 0 ? sr / rr : 0), rp, sp, (rp > 0 ? sp / rp : 0), rc, sc,
            (rc > 0 ? sc / rc : 0) }'
done
echo
printf '%-16s %10s %14s\n' "after the run" "RSS" "CPU serving"
for impl in "${impls[@]}"; do
    awk -v i="$impl" -v rss="$(rss_mb "${pid[$impl]}")" -v c0="${cpu0[$impl]}" -v c1="$(cpu_ticks "${pid[$impl]}")" \
        -v t="$clk_tck" 'BEGIN { printf "%-16s %7.1f MB %12.1f s\n", i, rss, (c1 - c0) / t }'
done
awk -v r="$(rss_mb "${pid[redis-sentinel]}")" -v s="$(rss_mb "${pid[rsentinel]}")" \
    'BEGIN { printf "RSS ratio (rsentinel / redis-sentinel): %.2f\n", s / r }'
echo "(ratios: rsentinel / redis-sentinel; for p99 and CPU per request lower is better; $rounds rounds,"
echo " medians; CPU us/request: user+system time of the sentinel process over all rounds / requests)"
