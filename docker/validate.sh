#!/usr/bin/env bash
# Static checks of the docker deployment (scripts/compose-test.sh runs it for real): the compose
# file parses, has no key docker-compose 1.29 refuses, and wires the services as intended;
# every file the build context must hold exists. (That the sentinel configs load is tested by
# tests/harness_configs.rs with the real redis-sentinel.) Needs python3 with PyYAML; skips
# the YAML part without it.
set -euo pipefail
cd "$(dirname "$0")/.."

for f in Cargo.toml Cargo.lock rustfmt.toml src .dockerignore; do
    [ -e "$f" ] || { echo "docker/Dockerfile's build context needs $f, which does not exist" >&2; exit 1; }
done
grep -q '^ARG RUST_IMAGE=rust:bookworm$' docker/Dockerfile \
    || { echo "docker/Dockerfile: the build image must be ARG RUST_IMAGE, default rust:bookworm" >&2; exit 1; }

if ! python3 -c 'import yaml' 2>/dev/null; then
    echo "docker/validate.sh: python3 yaml module not available, compose file not checked"
    exit 0
fi
python3 - <<'PY'
import os, sys, yaml

d = yaml.safe_load(open("docker-compose.yml"))
svcs = d["services"]
want = {"redis-master", "redis-replica-1", "redis-replica-2", "sentinel-1", "sentinel-2", "sentinel-3"}
errors = []
# docker-compose 1.29 (Debian 12) refuses a top-level `name:`; the project name comes from -p.
if "name" in d:
    errors.append("top-level 'name:' is refused by docker-compose 1.29")
if set(svcs) != want:
    errors.append(f"services {sorted(svcs)} != {sorted(want)}")
for n, s in svcs.items():
    if s.get("networks") != ["redis-net"]:
        errors.append(f"{n}: not on redis-net")
    if s.get("hostname") != n:
        errors.append(f"{n}: hostname {s.get('hostname')!r}")
    if n.startswith("sentinel"):
        if s.get("build", {}).get("dockerfile") != "docker/Dockerfile":
            errors.append(f"{n}: not built from docker/Dockerfile")
        if s["build"].get("args", {}).get("RUST_IMAGE") != "${RSENTINEL_RUST_IMAGE:-rust:bookworm}":
            errors.append(f"{n}: build arg RUST_IMAGE must default to rust:bookworm")
        mount, data = s["volumes"][0].split(":"), s["volumes"][1].split(":")
        template, volume = mount[0], data[0]
        if mount[1:] != ["/etc/rsentinel/sentinel.conf", "ro"]:
            errors.append(f"{n}: the config must be mounted read-only at /etc/rsentinel/sentinel.conf")
        if data[1:] != ["/data"]:
            errors.append(f"{n}: the state volume must be mounted at /data")
        if not os.path.exists(template):
            errors.append(f"{n}: missing {template}")
        if volume not in d.get("volumes", {}):
            errors.append(f"{n}: volume {volume} not declared")
        conf = open(template).read()
        for line in ("sentinel resolve-hostnames yes", "sentinel announce-hostnames yes",
                     f"sentinel announce-ip {n}", "sentinel monitor mymaster redis-master 6379 2", "dir /data"):
            if line not in conf.splitlines():
                errors.append(f"{template}: missing '{line}'")
    else:
        cmd = s["command"]
        if cmd[0] != "redis-server":
            errors.append(f"{n}: command {cmd}")
        # Debian's redis-server (the local stand-in image) defaults to protected mode.
        if cmd[cmd.index("--protected-mode") + 1] != "no":
            errors.append(f"{n}: needs --protected-mode no")
        if cmd[cmd.index("--replica-announce-ip") + 1] != n:
            errors.append(f"{n}: does not announce its service name")
        if "replica" in n and cmd[cmd.index("--replicaof") + 1:][:2] != ["redis-master", "6379"]:
            errors.append(f"{n}: not a replica of redis-master:6379")
if errors:
    sys.exit("docker-compose.yml:\n  " + "\n  ".join(errors))
print("docker-compose.yml: ok (6 services, 3 sentinel volumes)")
PY
