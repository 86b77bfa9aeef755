#!/usr/bin/env bash
# Many masters per sentinel, redis-sentinel vs rsentinel, side by side.
#
# For each implementation: start S real masters with one replica each on free ports, and 3
# sentinels whose configs monitor N master names spread round-robin over the S masters. Each
# master listens on up to 16 loopback addresses (127.0.0.1 .. 127.0.0.16, Redis's bind limit)
# and its names are spread over them, so that names do not share an address: SENTINEL
# is-master-down-by-addr names a master by address only, and peers count every vote on the
# first master they find there, which turns simultaneous failovers of names sharing an address
# into a lottery of refused votes and 2 x failover-timeout retry delays (in redis-sentinel and
# rsentinel alike). S defaults to N/16 rounded up. Then measure:
#   - discovery: time from the first sentinel's start until every sentinel lists, for every
#     name, its replica and the 2 other sentinels (SENTINEL MASTERS, polled);
#   - steady state, over --window seconds after a short settle: CPU% (utime+stime from
#     /proc/<pid>/stat) and RSS (VmRSS) of each sentinel, the part of that CPU spent in the
#     kernel (stime, averaged over the sentinels: socket reads and writes, epoll, wakeups),
#     the redis-servers' total CPU%, and how many +sdown / +tilt events the sentinels logged
#     in that window (should be 0);
#   - failover: SIGKILL of the first real master, then the time until all sentinels report,
#     for every name pointing at it, the same new address (SENTINEL GET-MASTER-ADDR-BY-NAME,
#     pipelined, polled); also whether every other name still has its original address.
# Prints a table. Numbers are informational: nothing is asserted.
#
# Note: all names on one redis-server share its `__sentinel__:hello` channel, so every hello
# published there reaches every sentinel once per name on that server (and once more through
# the replica, where PUBLISH is propagated): each sentinel receives about 4.5 * N^2 / S hello
# messages per second, for both implementations (72k/s with the defaults; 450k/s with
# --servers 10, which benches the pub/sub fan-out more than the sentinels).
#
#   bench/scale.sh [--names N] [--servers S] [--sentinels K] [--window SECS] [--down-after MS]
#                  [--failover-timeout MS] [--only redis-sentinel|rsentinel] [--no-build]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"

nsent=3 names=1000 servers="" addrs=16 window=30 settle=5 down_after=5000 failover_timeout=10000 only="" build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --names) names=$2; shift ;;
        --servers) servers=$2; shift ;;
        --sentinels) nsent=$2; shift ;;
        --addrs) addrs=$2; shift ;;
        --window) window=$2; shift ;;
        --down-after) down_after=$2; shift ;;
        --failover-timeout) failover_timeout=$2; shift ;;
        --only) only=$2; shift ;;
        --no-build) build=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done
[ -n "$servers" ] || servers=$(((names + 15) / 16))
[ "$names" -ge "$servers" ] || die "--names must be at least --servers"
per_server=$(((names + servers - 1) / servers))
addrs_per_server=$((per_server < addrs ? per_server : addrs))
binds=()
for ((i = 1; i <= addrs_per_server; i++)); do binds+=("127.0.0.$i"); done

ensure_packages redis-server redis-sentinel redis-tools

impls=(redis-sentinel rsentinel)
[ -n "$only" ] && impls=("$only")
declare -A bin
bench_binaries "$build" "${impls[@]}"

# Every sentinel holds 2 connections per name and per replica; redis-servers and sentinels
# inherit this limit (each then raises its own soft limit as far as the hard one allows).
hard=$(ulimit -Hn)
need=$((4 * names + 1000))
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
    die "ulimit -Hn is $hard; this bench needs about $need open files per sentinel"
fi
ulimit -n "$hard"

clk_tck=$(getconf CLK_TCK)
bench_workdir rsentinel-scale

# nap SECS: sleep in the background and wait, so that a signal runs the cleanup trap at once
# (bash runs traps only after a foreground command ends).
nap() {
    sleep "$1" &
    wait $!
}

# discovered PORT: how many names the sentinel on PORT lists with >= 1 replica and all peers.
discovered() {
    redis-cli -p "$1" SENTINEL MASTERS 2>/dev/null | awk -v peers=$((nsent - 1)) '
        NR % 2 == 1 { key = $0; next }
        key == "name" { slaves = -1; others = -1 }
        key == "num-slaves" { slaves = $0 }
        key == "num-other-sentinels" { others = $0; if (slaves >= 1 && others == peers) n++ }
        END { print n + 0 }'
}

all_discovered() {
    local p
    for p in "${sentinel_ports[@]}"; do
        [ "$(discovered "$p")" -eq "$names" ] || return 1
    done
}

# addrs PORT NAME...: "ip:port" (or "-") per name, one per line, in order.
addrs() {
    local port=$1
    shift
    printf 'SENTINEL GET-MASTER-ADDR-BY-NAME %s\n' "$@" | redis-cli -p "$port" 2>/dev/null | awk '
        $0 == "" { print "-"; next }
        ip == "" { ip = $0; next }
        { print ip ":" $0; ip = "" }'
}

# one_impl IMPL: runs everything for one implementation; sets the res_* variables.
one_impl() {
    local impl=$1 dir=$work/$1 i p d s
    mkdir -p "$dir"
    pids=()
    local master_ports=() replica_ports=() master_pids=() server_pids=()
    for ((i = 0; i < servers; i++)); do
        p=$(free_port)
        mkdir -p "$dir/r-$p"
        master_pids+=("$(start_in "$dir/r-$p" "$dir/r-$p/log" redis-server --port "$p" --bind "${binds[@]}" \
            --save '' --appendonly no)")
        master_ports+=("$p")
        pids+=("${master_pids[-1]}")
        server_pids+=("${master_pids[-1]}")
        wait_while_alive "${master_pids[-1]}" 20 "master $p ping" pings "$p" || return 1
    done
    for ((i = 0; i < servers; i++)); do
        p=$(free_port)
        mkdir -p "$dir/r-$p"
        pids+=("$(start_in "$dir/r-$p" "$dir/r-$p/log" redis-server --port "$p" --bind 127.0.0.1 \
            --save '' --appendonly no --replicaof 127.0.0.1 "${master_ports[$i]}")")
        server_pids+=("${pids[-1]}")
        replica_ports+=("$p")
    done
    for p in "${replica_ports[@]}"; do
        wait_for 30 "replica $p link up" replica_link_up "$p" || return 1
    done

    sentinel_ports=()
    local sentinel_pids=() t0 t1
    for ((s = 0; s < nsent; s++)); do
        p=$(free_port)
        sentinel_ports+=("$p")
        d=$dir/s-$p
        mkdir -p "$d"
        {
            echo "port $p"
            echo "bind 127.0.0.1"
            for ((i = 0; i < names; i++)); do
                echo "sentinel monitor scale-$i ${binds[$((i / servers % addrs_per_server))]} ${master_ports[$((i % servers))]} $((nsent / 2 + 1))"
                echo "sentinel down-after-milliseconds scale-$i $down_after"
                echo "sentinel failover-timeout scale-$i $failover_timeout"
            done
        } >"$d/sentinel.conf"
    done
    t0=$(now_ms)
    for p in "${sentinel_ports[@]}"; do
        d=$dir/s-$p
        sentinel_pids+=("$(start_in "$d" "$d/log" "${bin[$impl]}" sentinel.conf)")
        pids+=("${sentinel_pids[-1]}")
    done
    for ((s = 0; s < nsent; s++)); do
        wait_while_alive "${sentinel_pids[$s]}" 30 "sentinel ${sentinel_ports[$s]} ping" \
            pings "${sentinel_ports[$s]}" || return 1
    done
    wait_for 300 "discovery of $names names on every sentinel" all_discovered || return 1
    t1=$(now_ms)
    res_discovery=$((t1 - t0))

    nap "$settle"
    local before=() after=() sb sa lines=() l
    for ((s = 0; s < nsent; s++)); do
        before+=("$(cpu_ticks "${sentinel_pids[$s]}")")
        lines+=("$(wc -l <"$dir/s-${sentinel_ports[$s]}/log")")
    done
    sb=$(cpu_ticks "${server_pids[@]}")
    local sys_before sys_after
    sys_before=$(sys_ticks "${sentinel_pids[@]}")
    nap "$window"
    sys_after=$(sys_ticks "${sentinel_pids[@]}")
    res_cpu="" res_rss="" res_events=0
    for ((s = 0; s < nsent; s++)); do
        after=$(cpu_ticks "${sentinel_pids[$s]}")
        res_cpu+="$(awk -v a="$after" -v b="${before[$s]}" -v t="$clk_tck" -v w="$window" \
            'BEGIN { printf "%.1f", (a - b) * 100 / t / w }') "
        res_rss+="$(rss_mb "${sentinel_pids[$s]}") "
        l=$(tail -n +"$((lines[s] + 1))" "$dir/s-${sentinel_ports[$s]}/log" | grep -c -e '+sdown' -e '+tilt' || true)
        res_events=$((res_events + l))
    done
    res_kernel=$(awk -v a="$sys_after" -v b="$sys_before" -v t="$clk_tck" -v w="$window" -v n="$nsent" \
        'BEGIN { printf "%.1f", (a - b) * 100 / t / w / n }')
    sa=$(cpu_ticks "${server_pids[@]}")
    res_servers_cpu=$(awk -v a="$sa" -v b="$sb" -v t="$clk_tck" -v w="$window" \
        'BEGIN { printf "%.0f", (a - b) * 100 / t / w }')

    # The names on the first server fail over; all the others must keep their address.
    local victims=() others=() old_port=${master_ports[0]}
    for ((i = 0; i < names; i++)); do
        if ((i % servers == 0)); then victims+=("scale-$i"); else others+=("scale-$i"); fi
    done
    local others_before
    others_before=$(addrs "${sentinel_ports[0]}" "${others[@]}")
    failed_over() {
        local first="" a
        for p in "${sentinel_ports[@]}"; do
            a=$(addrs "$p" "${victims[@]}" | sort | uniq -c)
            # One distinct address for every victim name, not the old one, same on every sentinel.
            [ "$(wc -l <<<"$a")" -eq 1 ] || return 1
            [[ $a =~ ^\ *${#victims[@]}\ ([0-9.]+:[0-9]+)$ ]] || return 1
            [ "${BASH_REMATCH[1]##*:}" != "$old_port" ] || return 1
            [ -z "$first" ] && first=${BASH_REMATCH[1]}
            [ "${BASH_REMATCH[1]}" = "$first" ] || return 1
        done
    }
    t0=$(now_ms)
    kill -KILL "${master_pids[0]}"
    local deadline=$((t0 + 300000))
    res_failover="no agreement within 300 s"
    until failed_over; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            stop_pids "${pids[@]}"
            pids=()
            return 0
        fi
        sleep 0.1
    done
    t1=$(now_ms)
    res_failover="$((t1 - t0)) ms"
    res_others=no
    [ "$(addrs "${sentinel_ports[0]}" "${others[@]}")" = "$others_before" ] && res_others=yes
    stop_pids "${pids[@]}"
    pids=()
}

echo "scale: $names master names over $servers masters (1 replica each; $addrs_per_server addresses each), $nsent sentinels,"
echo "down-after $down_after ms, failover-timeout $failover_timeout ms, steady state over ${window}s"
declare -A table
for impl in "${impls[@]}"; do
    log "$impl"
    res_discovery=- res_cpu=- res_kernel=- res_rss=- res_servers_cpu=- res_events=- res_failover=- res_others=-
    if ! one_impl "$impl"; then
        res_failover="run failed (KEEP_BENCH_DIR=1 keeps the logs)"
        [ "${#pids[@]}" -gt 0 ] && stop_pids "${pids[@]}"
        pids=()
    fi
    table[$impl]=$(printf '| %-14s | %9s | %-17s | %8s | %-20s | %6s | %6s | %-16s | %6s |' "$impl" \
        "$res_discovery" "$res_cpu" "$res_kernel" "$res_rss" "$res_servers_cpu" "$res_events" "$res_failover" "$res_others")
done

echo
printf '| %-14s | %9s | %-17s | %8s | %-20s | %6s | %6s | %-16s | %6s |\n' implementation "discov ms" \
    "sentinel CPU %" "kernel %" "sentinel RSS MB" "srv CPU%" "sdown+tilt" "failover" "others"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "----------------" "-----------" "-------------------" "----------" \
    "----------------------" "--------" "--------" "------------------" "--------"
for impl in "${impls[@]}"; do
    echo "${table[$impl]}"
done
