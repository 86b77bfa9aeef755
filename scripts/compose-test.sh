#!/usr/bin/env bash
# The docker deployment on a real engine (run by scripts/test.sh, so by CI): builds the images,
# runs docker-compose.yml, checks discovery and a failover from inside the compose network,
# restarts a sentinel and checks its state survived, then tears everything down.
#
# Works without any image registry: it starts its own dockerd (Debian's docker.io) and builds
#   debian:bookworm-slim   from `debootstrap --variant=minbase bookworm` + `docker import`,
#   redis:7.0.15-bookworm  FROM it, with Debian's redis-server 7.0.15,
#   a Rust builder         FROM it, with Debian's rustc-web/cargo-web,
#   rsentinel:local        with the real docker/Dockerfile (RUST_IMAGE = that builder) from a
#                          build context holding the crate and its vendored dependencies
#                          (`cargo vendor` on the host), so the build needs no crates.io.
# Debian's package mirror must be reachable from the host and the build containers.
#
# Everything stays under $RSENTINEL_COMPOSE_CACHE (default /var/tmp/rsentinel-compose): the
# dockerd's data root there keeps the built images (and their layers) from one run to the
# next, so only what changed is rebuilt (images of earlier runs are pruned); delete the
# directory to start from scratch. On exit
# (also on failure or Ctrl-C) the containers, networks and volumes of the test project are
# removed and the dockerd this script started is stopped.
#
# Compose: every implementation found is tested, `docker compose` (v2) and `docker-compose`
# (Debian 12's 1.29); RSENTINEL_COMPOSE="docker-compose" picks one.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

[ "$(id -u)" -eq 0 ] || die "compose-test.sh starts its own dockerd: run it as root"

CACHE=${RSENTINEL_COMPOSE_CACHE:-/var/tmp/rsentinel-compose}
RUN_DIR=$CACHE/run
PROJECT=rsentinelci
RUST_IMAGE=rsentinel-ci/rust:bookworm
export DOCKER_HOST=unix://$RUN_DIR/docker.sock
# The classic builder: Debian's dockerd 20.10 has no BuildKit frontend the newest CLIs accept.
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0
DOCKERD_PID=
COMPOSE=()
PASSED=0
STARTED=$SECONDS

step() {
    log "[$((SECONDS - STARTED)) s] $*"
}

# wait_until SECONDS WHAT COMMAND... : poll COMMAND once a second until it succeeds.
wait_until() {
    local secs=$1 what=$2
    shift 2
    local end=$((SECONDS + secs))
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || die "timed out after ${secs} s waiting for $what"
        sleep 1
    done
}

# --- the engine ------------------------------------------------------------------------------

stop_dockerd() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
}

start_dockerd() {
    mkdir -p "$RUN_DIR"
    # A dockerd left behind by an interrupted run of this script (its pidfile is ours).
    if [ -s "$RUN_DIR/dockerd.pid" ]; then
        local old
        old=$(cat "$RUN_DIR/dockerd.pid")
        if [ "$(cat "/proc/$old/comm" 2>/dev/null)" = dockerd ]; then
            step "stopping the dockerd of an interrupted run (pid $old)"
            stop_dockerd "$old"
        fi
        rm -f "$RUN_DIR/dockerd.pid"
    fi
    step "starting dockerd (data root $CACHE/docker)"
    # No default bridge: builds use the host network, the deployment its compose network.
    dockerd --host "$DOCKER_HOST" --data-root "$CACHE/docker" --exec-root "$RUN_DIR/exec" \
        --pidfile "$RUN_DIR/dockerd.pid" --bridge none >"$RUN_DIR/dockerd.log" 2>&1 9>&- &
    DOCKERD_PID=$!
    local end=$((SECONDS + 60))
    until docker version >/dev/null 2>&1; do
        if ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
            tail -n 30 "$RUN_DIR/dockerd.log" >&2
            die "dockerd exited at start"
        fi
        [ "$SECONDS" -lt "$end" ] || { tail -n 30 "$RUN_DIR/dockerd.log" >&2; die "dockerd not up after 60 s"; }
        sleep 0.5
    done
}

cleanup() {
    local rc=$?
    set +e
    if [ -n "$DOCKERD_PID" ]; then
        if [ "$rc" -ne 0 ] && [ "${#COMPOSE[@]}" -gt 0 ]; then
            log "failed: the deployment's last log lines"
            "${COMPOSE[@]}" logs --no-color --tail 40 >&2
        fi
        step "tearing down"
        for c in "docker compose" docker-compose; do
            # shellcheck disable=SC2086
            if $c version >/dev/null 2>&1; then
                $c -p "$PROJECT" -f docker-compose.yml down -v --remove-orphans --timeout 5 >/dev/null 2>&1
            fi
        done
        docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null 2>&1
        docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker volume rm >/dev/null 2>&1
        docker network ls -q --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker network rm >/dev/null 2>&1
        stop_dockerd "$DOCKERD_PID"
        rm -f "$RUN_DIR/dockerd.pid"
        # What dockerd leaves mounted under its exec root (its network namespace).
        awk -v d="$RUN_DIR/exec/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
    fi
    rm -rf "$CACHE/rootfs" "$CACHE/context"
    step "done (exit $rc)"
    # The closing count, one deployment run per compose implementation.
    if [ "$rc" -eq 0 ]; then
        echo "compose-test: $PASSED passed, 0 failed"
    else
        echo "compose-test: $PASSED passed, 1 failed"
    fi
    exit "$rc"
}

# --- the images ------------------------------------------------------------------------------

build_base_image() {
    if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
        step "debian:bookworm-slim: cached"
        return
    fi
    step "debian:bookworm-slim: debootstrap --variant=minbase bookworm"
    local rootfs=$CACHE/rootfs
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" >"$RUN_DIR/debootstrap.log" 2>&1 \
        || { tail -n 30 "$RUN_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
    # The host's Debian sources (with bookworm-updates and bookworm-security, where Debian's
    # current Rust is), as in Docker Hub's image; services never start inside an image build.
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        rm -f "$rootfs/etc/apt/sources.list"
        cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
    elif [ -f /etc/apt/sources.list ]; then
        cp /etc/apt/sources.list "$rootfs/etc/apt/sources.list"
    fi
    printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
    chmod +x "$rootfs/usr/sbin/policy-rc.d"
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null
    rm -rf "$rootfs"
}

# build_image TAG DOCKERFILE CONTEXT [ARGS...]: the classic builder on the host network; the
# layer cache makes an unchanged image a no-op.
build_image() {
    local tag=$1 file=$2 context=$3
    shift 3
    step "$tag: docker build -f $file"
    local build_log=$RUN_DIR/build-${tag//[:\/]/_}.log
    docker build --network host -t "$tag" -f "$file" "$@" "$context" >"$build_log" 2>&1 \
        || { tail -n 40 "$build_log" >&2; die "docker build of $tag failed (log: $build_log)"; }
}

# The rsentinel build context: what .dockerignore lets through, plus the vendored crates.
stage_context() {
    local ctx=$CACHE/context
    rm -rf "$ctx"
    mkdir -p "$ctx/.cargo" "$ctx/docker"
    cp -r Cargo.toml Cargo.lock rustfmt.toml src .dockerignore "$ctx/"
    cp docker/Dockerfile "$ctx/docker/"
    local lock_sum
    lock_sum=$(sha256sum Cargo.lock | cut -d' ' -f1)
    if [ "$(cat "$CACHE/vendor.lock-sum" 2>/dev/null)" != "$lock_sum" ]; then
        step "cargo vendor (Cargo.lock changed)"
        rm -rf "$CACHE/vendor" "$CACHE/vendor.lock-sum"
        (cd "$ctx" && cargo vendor --locked vendor) >"$RUN_DIR/cargo-vendor.log" 2>&1 \
            || { tail -n 20 "$RUN_DIR/cargo-vendor.log" >&2; die "cargo vendor failed"; }
        mv "$ctx/vendor" "$CACHE/vendor"
        echo "$lock_sum" >"$CACHE/vendor.lock-sum"
    fi
    cp -r "$CACHE/vendor" "$ctx/vendor"
    # cargo vendor's source replacement, relative to the build directory.
    printf '[source.crates-io]\nreplace-with = "vendored-sources"\n\n[source.vendored-sources]\ndirectory = "vendor"\n' \
        >"$ctx/.cargo/config.toml"
    echo "$ctx"
}

# --- the deployment --------------------------------------------------------------------------

SENTINELS=(sentinel-1 sentinel-2 sentinel-3)

# cli SERVICE ARGS... : redis-cli inside the service's container (inside the compose network).
cli() {
    local svc=$1
    shift
    "${COMPOSE[@]}" exec -T "$svc" redis-cli -p 26379 "$@" 2>/dev/null | tr -d '\r'
}

# The master address a sentinel reports, as "host port".
master_of() {
    cli "$1" SENTINEL get-master-addr-by-name mymaster | paste -sd' '
}

# master_field SENTINEL FIELD: a field of SENTINEL MASTER mymaster.
master_field() {
    cli "$1" SENTINEL master mymaster | awk -v f="$2" 'prev == f { print; exit } { prev = $0 }'
}

all_report() {
    local want=$1 s
    for s in "${SENTINELS[@]}"; do
        [ "$(master_of "$s")" = "$want" ] || return 1
    done
}

all_discovered() {
    local s
    for s in "${SENTINELS[@]}"; do
        [ "$(master_field "$s" num-slaves)" = 2 ] || return 1
        [ "$(master_field "$s" num-other-sentinels)" = 2 ] || return 1
    done
}

# All three agree on a new master, one of the replicas.
all_report_a_replica() {
    local first
    first=$(master_of sentinel-1)
    case "$first" in
        "redis-replica-1 6379" | "redis-replica-2 6379") all_report "$first" ;;
        *) return 1 ;;
    esac
}

answers_ping() {
    [ "$(cli "$1" PING)" = PONG ]
}

# state_monitors SERVICE "HOST PORT": the service's state file has the master at that address.
state_monitors() {
    "${COMPOSE[@]}" exec -T "$1" cat /data/sentinel-state.conf 2>/dev/null | tr -d '\r' \
        | grep -qx "sentinel monitor mymaster $2 2"
}

run_deployment() {
    step "${COMPOSE[*]}: up"
    "${COMPOSE[@]}" up -d >/dev/null 2>&1 || { "${COMPOSE[@]}" up -d; die "compose up failed"; }

    step "every sentinel reports redis-master"
    wait_until 120 "all sentinels to report redis-master" all_report "redis-master 6379"
    local from_client
    from_client=$(docker run --rm --network "${PROJECT}_redis-net" redis:7.0.15-bookworm \
        redis-cli -h sentinel-1 -p 26379 SENTINEL get-master-addr-by-name mymaster | paste -sd' ')
    [ "$from_client" = "redis-master 6379" ] \
        || die "a client container on the network got '$from_client' from sentinel-1"
    step "discovery: 2 replicas and 2 other sentinels each"
    wait_until 120 "discovery of replicas and sentinels" all_discovered

    local id_before
    id_before=$(cli sentinel-2 SENTINEL myid)
    step "SIGKILL of redis-master"
    "${COMPOSE[@]}" kill redis-master >/dev/null 2>&1
    wait_until 180 "all sentinels to report a promoted replica" all_report_a_replica
    local new_master
    new_master=$(master_of sentinel-1)
    step "new master: $new_master"

    wait_until 30 "the new master in the state file of sentinel-2" state_monitors sentinel-2 "$new_master"
    step "SIGKILL and start of sentinel-2: its state must come from its state file"
    "${COMPOSE[@]}" kill sentinel-2 >/dev/null 2>&1
    "${COMPOSE[@]}" start sentinel-2 >/dev/null 2>&1
    wait_until 60 "sentinel-2 to answer after its restart" answers_ping sentinel-2
    local after
    after=$(master_of sentinel-2)
    [ "$after" = "$new_master" ] || die "restarted sentinel-2 reports '$after', not '$new_master'"
    [ "$(cli sentinel-2 SENTINEL myid)" = "$id_before" ] || die "sentinel-2 changed its myid across the restart"
    state_monitors sentinel-2 "$new_master" || die "the state file of sentinel-2 no longer monitors $new_master"
    "${COMPOSE[@]}" exec -T sentinel-2 cat /etc/rsentinel/sentinel.conf | tr -d '\r' \
        | cmp -s - docker/sentinel-2.conf || die "the read-only config of sentinel-2 changed"

    step "${COMPOSE[*]}: down -v"
    "${COMPOSE[@]}" down -v --remove-orphans --timeout 5 >/dev/null 2>&1
}

# --- main ------------------------------------------------------------------------------------

ensure_packages docker.io docker-compose debootstrap
mkdir -p "$CACHE"
# One run at a time per cache directory (a second one would share the dockerd's data root and
# remove the first one's build context).
exec 9>"$CACHE/lock"
flock -n 9 || die "another compose-test.sh is using $CACHE"
trap cleanup EXIT INT TERM
start_dockerd
build_base_image
build_image redis:7.0.15-bookworm docker/compose-test/redis.Dockerfile docker/compose-test
build_image "$RUST_IMAGE" docker/compose-test/rust.Dockerfile docker/compose-test
context=$(stage_context)
# The build stage gets a tag of its own, so the prune below keeps it as the cache of the next run.
build_image rsentinel-ci/build:local "$context/docker/Dockerfile" "$context" --build-arg "RUST_IMAGE=$RUST_IMAGE" \
    --target build
build_image rsentinel:local "$context/docker/Dockerfile" "$context" --build-arg "RUST_IMAGE=$RUST_IMAGE"
# The images of earlier runs, untagged by these builds (the data root would grow every run).
docker image prune -f >/dev/null

implementations=()
if [ -n "${RSENTINEL_COMPOSE:-}" ]; then
    implementations=("$RSENTINEL_COMPOSE")
else
    docker compose version >/dev/null 2>&1 && implementations+=("docker compose")
    command -v docker-compose >/dev/null 2>&1 && implementations+=("docker-compose")
fi
[ "${#implementations[@]}" -gt 0 ] || die "no compose implementation found"
for impl in "${implementations[@]}"; do
    read -ra COMPOSE <<<"$impl"
    COMPOSE+=(-p "$PROJECT" -f docker-compose.yml)
    run_deployment
    PASSED=$((PASSED + 1))
done
step "compose test passed (${implementations[*]})"
