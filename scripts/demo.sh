#!/usr/bin/env bash
# The demo: a master, two replicas and three sentinels on 127.0.0.1.
#
#   scripts/demo.sh                       start, print what to try, run until Ctrl-C
#   scripts/demo.sh --failover            ... and kill the master, show the new one + events
#   scripts/demo.sh --detach              start and return, leaving everything running
#   scripts/demo.sh --stop                stop a demo started with --detach or in the background
#   scripts/demo.sh --use-redis-sentinel  the same deployment with /usr/bin/redis-sentinel
#
# Ports: master 6380, replicas 6381 6382, sentinels 26379 26380 26381 (configs in
# config/demo/). Work dir (copied configs, logs, events.log, pids): $DEMO_DIR or ./demo-run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/lib.sh"

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

failover=0 detach=0 stop=0 use_redis=0
for arg in "$@"; do
    case "$arg" in
        --failover) failover=1 ;;
        --detach) detach=1 ;;
        --stop) stop=1 ;;
        --use-redis-sentinel) use_redis=1 ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $arg" ;;
    esac
done

name=mymaster
master_port=6380
replica_ports=(6381 6382)
sentinel_ports=(26379 26380 26381)
work=${DEMO_DIR:-$PWD/demo-run}
mkdir -p "$work"
work=$(cd "$work" && pwd)
pidfile=$work/pids

# ---- --stop --------------------------------------------------------------------------------
if [ "$stop" -eq 1 ]; then
    [ -f "$pidfile" ] || die "no demo running from $work (no $pidfile)"
    pids=()
    while read -r _ pid; do pids+=("$pid"); done <"$pidfile"
    log "stopping ${#pids[@]} processes of the demo in $work"
    stop_pids "${pids[@]}"
    rm -f "$pidfile"
    log "stopped"
    exit 0
fi

# ---- prerequisites ---------------------------------------------------------------------------
if [ -f "$pidfile" ]; then
    while read -r what pid; do
        pid_alive "$pid" && die "a demo is already running from $work ($what, pid $pid): run $0 --stop"
    done <"$pidfile"
    rm -f "$pidfile"
fi

packages=(redis-server redis-tools)
[ "$use_redis" -eq 1 ] && packages+=(redis-sentinel)
ensure_packages "${packages[@]}"

if [ "$use_redis" -eq 1 ]; then
    sentinel_bin=$(command -v redis-sentinel)
    impl=redis-sentinel
else
    command -v cargo >/dev/null 2>&1 ||
        die "cargo not found: install a Rust toolchain (https://rustup.rs), or try --use-redis-sentinel"
    log "building rsentinel (cargo build --release)"
    (cd "$repo" && cargo build --release --quiet)
    sentinel_bin=$repo/target/release/rsentinel
    impl=rsentinel
fi

for p in "$master_port" "${replica_ports[@]}" "${sentinel_ports[@]}"; do
    if port_in_use "$p"; then
        die "port $p is already in use on 127.0.0.1 (a system redis-sentinel? try: systemctl stop redis-sentinel)"
    fi
done

# ---- start -------------------------------------------------------------------------------------
started=()
cleanup() {
    trap - EXIT INT TERM
    if [ "${#started[@]}" -gt 0 ]; then
        log "stopping the demo"
        stop_pids "${started[@]}"
        wait 2>/dev/null || true
    fi
    rm -f "$pidfile"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# record WHAT PID: remember a process for cleanup and for --stop.
record() {
    started+=("$2")
    echo "$1 $2" >>"$pidfile"
}

# pid_of WHAT: the pid recorded for WHAT.
pid_of() {
    awk -v w="$1" '$1 == w { print $2 }' "$pidfile"
}

start_redis() {
    local port=$1 dir=$work/redis-$1
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$repo/config/demo/redis-$port.conf" "$dir/redis.conf"
    record "redis-$port" "$(start_in "$dir" "$dir/redis.log" redis-server redis.conf)"
}

start_sentinel() {
    local port=$1 dir=$work/sentinel-$1
    rm -rf "$dir" && mkdir -p "$dir"
    cp "$repo/config/demo/sentinel-$port.conf" "$dir/sentinel.conf"
    record "sentinel-$port" "$(start_in "$dir" "$dir/sentinel.log" "$sentinel_bin" sentinel.conf)"
}

log "starting redis-server master :$master_port and replicas :${replica_ports[*]} in $work"
start_redis "$master_port"
for p in "${replica_ports[@]}"; do start_redis "$p"; done
for p in "$master_port" "${replica_ports[@]}"; do
    wait_while_alive "$(pid_of "redis-$p")" 20 "redis-server :$p to answer PING" pings "$p" ||
        die "see $work/redis-$p/redis.log"
done
for p in "${replica_ports[@]}"; do
    wait_for 30 "replica :$p to sync with the master" replica_link_up "$p" || die "see $work/redis-$p/redis.log"
done

log "starting three $impl processes on :${sentinel_ports[*]}"
for p in "${sentinel_ports[@]}"; do start_sentinel "$p"; done
for p in "${sentinel_ports[@]}"; do
    wait_while_alive "$(pid_of "sentinel-$p")" 20 "$impl :$p to answer PING" pings "$p" ||
        die "see $work/sentinel-$p/sentinel.log"
done

# Every event of the first sentinel, one CSV line per message.
: >"$work/events.log"
record events "$(start_in "$work" "$work/events.log" redis-cli -p "${sentinel_ports[0]}" --csv PSUBSCRIBE '*')"

log "waiting until every sentinel lists 2 replicas and 2 other sentinels"
for p in "${sentinel_ports[@]}"; do
    wait_for 60 "$impl :$p to discover the replicas and its peers" sentinel_sees "$p" "$name" 2 2 ||
        die "see $work/sentinel-$p/sentinel.log"
done

cat <<EOF

rsentinel demo is up ($impl). Work dir: $work

\$ redis-cli -p ${sentinel_ports[0]} SENTINEL get-master-addr-by-name $name
$(redis-cli -p "${sentinel_ports[0]}" SENTINEL get-master-addr-by-name "$name")

Things to try:
  redis-cli -p ${sentinel_ports[0]} SENTINEL masters              # the master, as clients see it
  redis-cli -p ${sentinel_ports[0]} SENTINEL replicas $name
  redis-cli -p ${sentinel_ports[0]} INFO sentinel
  redis-cli -p ${sentinel_ports[1]} SUBSCRIBE +switch-master       # then, in another terminal:
  kill -9 \$(redis-cli -p $master_port INFO server | awk -F: '/^process_id/ {print \$2+0}')
                                               # a failover follows in ~10 s
  tail -f $work/events.log                   # every event of :${sentinel_ports[0]}
EOF

# ---- --failover ----------------------------------------------------------------------------------
if [ "$failover" -eq 1 ]; then
    master_pid=$(pid_of "redis-$master_port")
    echo
    log "killing the master :$master_port (pid $master_pid) with SIGKILL"
    t0=$(now_ms)
    kill -KILL "$master_pid"
    wait_for 120 "every sentinel to report a new master" \
        all_agree_on_new_master "$name" "$master_port" "${sentinel_ports[@]}" ||
        die "no failover; see $work/sentinel-*/sentinel.log"
    t1=$(now_ms)
    echo
    echo "New master after $((t1 - t0)) ms (all three sentinels agree):"
    echo "\$ redis-cli -p ${sentinel_ports[0]} SENTINEL get-master-addr-by-name $name"
    redis-cli -p "${sentinel_ports[0]}" SENTINEL get-master-addr-by-name "$name"
    echo
    echo "Events seen by :${sentinel_ports[0]} (channel, payload):"
    # Give the tail of the failover (+slave lines after +switch-master) a moment to arrive.
    wait_for 10 "+switch-master in events.log" grep -q '"+switch-master"' "$work/events.log" || true
    awk -F'","' '$1 == "\"pmessage" { sub(/"$/, "", $4); printf "  %-32s %s\n", $3, $4 }' "$work/events.log"
fi

# ---- run ------------------------------------------------------------------------------------------
if [ "$detach" -eq 1 ]; then
    trap - EXIT INT TERM
    echo
    log "left running in the background; stop it with: $0 --stop"
    exit 0
fi
echo
log "running; press Ctrl-C to stop everything"
sleep infinity &
record idle $!
wait $! || true
