"""INCR a counter as fast as possible through redis-py's sentinel-aware client, until told to
stop, then count the acknowledged increments the master no longer has.

    python3 bench/incr_writer.py <master-name> <stop-file> <sentinel-port>...

Every INCR that returned a value was acknowledged by the master of that moment. Once
<stop-file> exists, the writer reads the counter on the master the sentinels now report and
prints one line:

    acked <A> distinct <D> final <F> lost <L> errors <E> first <v1> last <vN>

An acknowledged increment is lost when the master that acknowledged it was replaced by one
that never received it. The counter then restarts below values already acknowledged, so those
values are acknowledged a second time (A - D of them) or lie above the final value F; L counts
both. Failed or timed-out INCRs (E) were never acknowledged and are not counted.

Used by tests/coordinated.rs and bench/coordinated.sh (Debian's python3-redis).
"""

import os
import sys
import time

import redis
from redis.sentinel import Sentinel


def main():
    name, stop_file = sys.argv[1], sys.argv[2]
    ports = [int(p) for p in sys.argv[3:]]
    sentinel = Sentinel([("127.0.0.1", p) for p in ports], socket_timeout=0.5)
    master = sentinel.master_for(name, socket_timeout=0.5)
    acked, errors, n = [], 0, 0
    while True:
        n += 1
        if n % 50 == 0 and os.path.exists(stop_file):
            break
        try:
            acked.append(master.incr("counter"))
        except redis.RedisError:
            # Not acknowledged (connection cut, READONLY from a demoted master, timeout while
            # writes are paused): it may or may not have been applied, and never counts.
            errors += 1
            time.sleep(0.01)
    final = None
    deadline = time.time() + 30
    while final is None:
        try:
            host, port = sentinel.discover_master(name)
            final = int(redis.Redis(host=host, port=port, socket_timeout=2).get("counter") or 0)
        except redis.RedisError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    distinct = len(set(acked))
    lost = (len(acked) - distinct) + sum(1 for v in acked if v > final)
    print(
        "acked", len(acked), "distinct", distinct, "final", final, "lost", lost, "errors", errors,
        "first", acked[0] if acked else 0, "last", acked[-1] if acked else 0,
    )


if __name__ == "__main__":
    main()
