#!/usr/bin/env bash
# Acknowledged writes lost by a manual failover: plain SENTINEL FAILOVER (redis-sentinel and
# rsentinel) against rsentinel's SENTINEL FAILOVER <name> COORDINATED (Valkey 9.0's), side
# by side.
#
# For each mode and each run: start 1 master + 2 replicas (redis-server) + 3 sentinels on free
# 127.0.0.1 ports, wait for discovery, start a redis-py client (bench/incr_writer.py, through
# redis.sentinel.Sentinel) that INCRs a counter as fast as it can, send the failover command to
# the first sentinel, wait until every sentinel reports the new master, the old master
# replicates from it and the client's INCRs reach it, then stop the client: it counts the
# acknowledged INCRs that the new master does not have. Sentinel timings are the defaults
# (info-period 10 s, publish-period 2 s): a plain failover leaves the old master taking writes
# until it is turned into a replica. Prints one line per run and a summary table. Numbers are
# informational: nothing is asserted (tests/coordinated.rs asserts COORDINATED loses none).
#
#   bench/coordinated.sh [--runs N] [--failover-timeout MS]
#                        [--only redis-plain|rsentinel-plain|rsentinel-coordinated] [--no-build]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"

runs=3 failover_timeout=30000 only="" build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift ;;
        --failover-timeout) failover_timeout=$2; shift ;;
        --only) only=$2; shift ;;
        --no-build) build=0 ;;
        -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown argument: $1" ;;
    esac
    shift
done

ensure_packages redis-server redis-sentinel redis-tools python3-redis
python=/usr/bin/python3

modes=(redis-plain rsentinel-plain rsentinel-coordinated)
[ -n "$only" ] && modes=("$only")
declare -A bin
if [[ " ${modes[*]} " == *" rsentinel-"* ]]; then bench_binaries "$build" rsentinel; else bench_binaries 0; fi
bin[redis-plain]=${bin[redis-sentinel]}
bin[rsentinel-plain]=${bin[rsentinel]}
bin[rsentinel-coordinated]=${bin[rsentinel]}

bench_workdir rsentinel-bench-coordinated

# counter PORT: the counter on a server (empty when it does not answer).
counter() {
    redis-cli -p "$1" GET counter 2>/dev/null
}

# follows PORT MASTER: PORT replicates from MASTER over a working link.
follows() {
    local info
    info=$(redis-cli -p "$1" INFO replication 2>/dev/null | tr -d '\r')
    grep -qx "master_port:$2" <<<"$info" && grep -qx 'master_link_status:up' <<<"$info"
}

# counter_above PORT N: the counter on PORT is greater than N.
counter_above() {
    local c
    c=$(counter "$1")
    [ -n "$c" ] && [ "$c" -gt "$2" ]
}

# failover_accepted PORT NAME [COORDINATED]: the sentinel answered OK (right after discovery a
# replica may not qualify yet).
failover_accepted() {
    [ "$(redis-cli -p "$1" SENTINEL FAILOVER "${@:2}" 2>/dev/null)" = OK ]
}

# one_run MODE N: sets run_result to "<lost> <acked> <errors>", or "failed: <why>". Runs in the
# main shell so that `pids` stays visible to the cleanup trap.
one_run() {
    local mode=$1 n=$2 dir=$work/$1-$2 name=bench-$$-$1-$2 new writer reached
    local extra=()
    [ "$mode" = rsentinel-coordinated ] && extra=(COORDINATED)
    pids=()
    start_deployment "$dir" "$name" "${bin[$mode]}" 30000 "$failover_timeout" ||
        { run_result="failed: $dep_error"; return; }
    writer=$(start_in "$dir" "$dir/writer.log" "$python" "$repo/bench/incr_writer.py" "$name" "$dir/stop" \
        "${dep_sentinels[@]}")
    pids+=("$writer")
    wait_while_alive "$writer" 30 "the writer's INCRs" counter_above "$dep_master" 200 ||
        { run_result="failed: the writer did not write (see $dir/writer.log)"; return; }
    wait_for 30 "SENTINEL FAILOVER accepted" failover_accepted "${dep_sentinels[0]}" "$name" "${extra[@]}" ||
        { run_result="failed: SENTINEL FAILOVER refused"; return; }
    wait_for 120 "all sentinels on a new master" all_agree_on_new_master "$name" "$dep_master" "${dep_sentinels[@]}" ||
        { run_result="failed: no agreement on a new master"; return; }
    new=$(master_addr "${dep_sentinels[0]}" "$name" | cut -d' ' -f2)
    wait_for 120 "the old master to follow the new one" follows "$dep_master" "$new" ||
        { run_result="failed: the old master never followed $new"; return; }
    reached=$(counter "$new")
    wait_while_alive "$writer" 60 "the writer's INCRs on the new master" counter_above "$new" "$((reached + 200))" ||
        { run_result="failed: the writer did not reach the new master"; return; }
    touch "$dir/stop"
    wait_for 60 "the writer to report" grep -q '^acked ' "$dir/writer.log" ||
        { run_result="failed: no report from the writer (see $dir/writer.log)"; return; }
    run_result=$(awk '/^acked / { print $8, $2, $10 }' "$dir/writer.log")
    stop_pids "${pids[@]}"
    pids=()
}

declare -A lost acked
echo "acknowledged INCRs lost by a manual failover (redis-py client, redis-server 7.0.15 nodes,"
echo "failover-timeout $failover_timeout, $runs runs each)"
for mode in "${modes[@]}"; do
    lost[$mode]="" acked[$mode]=""
    for n in $(seq 1 "$runs"); do
        run_result=""
        one_run "$mode" "$n"
        r=$run_result
        [ "${#pids[@]}" -gt 0 ] && stop_pids "${pids[@]}" # leftovers of a failed run
        if [[ $r =~ ^([0-9]+)\ ([0-9]+)\ ([0-9]+)$ ]]; then
            printf '  %-22s run %d: lost %d of %d acknowledged (%d failed INCRs)\n' "$mode" "$n" \
                "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
            lost[$mode]+="${BASH_REMATCH[1]} " acked[$mode]+="${BASH_REMATCH[2]} "
        else
            printf '  %-22s run %d: %s\n' "$mode" "$n" "$r"
            bench_keep=1
        fi
    done
done

echo
printf '| %-22s | %5s | %10s | %10s | %10s | %12s |\n' mode ok "min lost" "median" "max lost" "acked (med.)"
printf '|%s|%s|%s|%s|%s|%s|\n' "------------------------" "-------" "------------" "------------" "------------" \
    "--------------"
for mode in "${modes[@]}"; do
    read -r -a xs <<<"${lost[$mode]}"
    read -r -a as <<<"${acked[$mode]}"
    if [ "${#xs[@]}" -eq 0 ]; then
        printf '| %-22s | %5s | %10s | %10s | %10s | %12s |\n' "$mode" "0/$runs" - - - -
        continue
    fi
    mapfile -t sorted < <(printf '%s\n' "${xs[@]}" | sort -n)
    mapfile -t asorted < <(printf '%s\n' "${as[@]}" | sort -n)
    printf '| %-22s | %5s | %10s | %10s | %10s | %12s |\n' "$mode" "${#sorted[@]}/$runs" "${sorted[0]}" \
        "${sorted[$((${#sorted[@]} / 2))]}" "${sorted[-1]}" "${asorted[$((${#asorted[@]} / 2))]}"
done
