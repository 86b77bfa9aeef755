#!/bin/sh
# Start rsentinel from a config file in the writable volume /data.
#
# A sentinel rewrites its config file as it learns (myid, epochs, replicas, peers, the new
# master after a failover) and must find that state again after a restart, so the file lives
# in the volume. On first start it is copied from the read-only template
# $RSENTINEL_TEMPLATE (default /etc/rsentinel/sentinel.conf, which compose bind-mounts).
# Extra arguments are passed on (e.g. `--loglevel verbose`).
set -eu
conf=/data/sentinel.conf
template=${RSENTINEL_TEMPLATE:-/etc/rsentinel/sentinel.conf}
if [ ! -s "$conf" ]; then
    if [ ! -r "$template" ]; then
        echo "rsentinel-entrypoint: no $conf yet and no template at $template: mount one" >&2
        exit 1
    fi
    cp "$template" "$conf"
fi
exec rsentinel "$conf" "$@"
