#!/usr/bin/env bash
# Regenerate the committed seed corpora in fuzz/corpus/<target>/seed-* from real traffic and
# the repository's fixtures:
#   - what a real redis-sentinel 7.0.15 sends to a master it monitors (recorded by a listener
#     standing in for the master), and what redis-cli sends to a sentinel;
#   - what a real redis-server 7.0.15 answers to those commands (INFO of a master and of a
#     replica, pub/sub confirmations, a hello relayed on __sentinel__:hello);
#   - the sentinel.conf / TOML files of config/ and docker/, Debian's shipped sentinel.conf;
#   - glob patterns as clients use them.
# Needs redis-server, redis-sentinel and python3. Ports: 127.0.0.1, picked free.
set -euo pipefail
cd "$(dirname "$0")"
exec python3 - "$@" <<'PY'
import os, shutil, socket, subprocess, sys, tempfile, threading, time

ROOT = os.getcwd()
CORPUS = os.path.join(ROOT, "corpus")

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def seed(target, name, data):
    d = os.path.join(CORPUS, target); os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)

def cmd(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out

def exchange(port, request, settle=0.3):
    """Send request bytes, return every byte answered within `settle` s of quiet."""
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(request)
    s.settimeout(settle); data = b""
    while True:
        try:
            chunk = s.recv(1 << 20)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    s.close(); return data

def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close(); return
        except OSError:
            time.sleep(0.05)
    sys.exit("nothing answered on %d" % port)

tmp = tempfile.mkdtemp(prefix="rsentinel-seeds-")
procs = []
try:
    master, replica = free_port(), free_port()
    for port, extra in ((master, []), (replica, ["--replicaof", "127.0.0.1", str(master)])):
        procs.append(subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                       "--dir", tmp] + extra, stdout=subprocess.DEVNULL))
        wait_port(port)
    time.sleep(1.5)  # the replica's first sync

    # 1. A real sentinel's requests, recorded by a listener standing in for the master.
    fake = socket.socket(); fake.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    fake_port = free_port(); fake.bind(("127.0.0.1", fake_port)); fake.listen()
    recorded = []
    def record():
        fake.settimeout(4)
        deadline = time.time() + 4
        try:
            while time.time() < deadline and len(recorded) < 4:
                c, _ = fake.accept(); c.settimeout(2)
                try:
                    data = c.recv(65536)
                    recorded.append(data)
                    c.sendall(b"+OK\r\n+PONG\r\n")
                except OSError:
                    pass
        except OSError:
            pass
    t = threading.Thread(target=record); t.start()
    sport = free_port()
    conf = os.path.join(tmp, "s.conf")
    with open(conf, "w") as f:
        f.write("port %d\nsentinel monitor seeds 127.0.0.1 %d 1\n" % (sport, fake_port))
    procs.append(subprocess.Popen(["redis-sentinel", conf], cwd=tmp, stdout=subprocess.DEVNULL))
    t.join()
    for i, data in enumerate(recorded[:4]):
        seed("resp_request", "sentinel-to-master-%d" % i, b"\x00" + data)
        seed("resp_request", "sentinel-to-master-split-%d" % i, b"\x07" + data)

    # 2. What clients send to a sentinel (RESP arrays, inline, pipelined, before AUTH).
    client_requests = {
        "masters": cmd("SENTINEL", "MASTERS"),
        "get-master-addr": cmd("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"),
        "is-master-down": cmd("SENTINEL", "is-master-down-by-addr", "127.0.0.1", "6379", "3",
                              "0079450eaa67cffc2668dbfba10d8d3c99e066cb"),
        "hello3-auth": cmd("HELLO", "3", "AUTH", "default", "secret"),
        "inline": b"PING\r\nSENTINEL get-master-addr-by-name \"my master\"\r\n",
        "pipeline": cmd("PING") * 3 + cmd("INFO", "sentinel") + cmd("PSUBSCRIBE", "*"),
        "set": cmd("SENTINEL", "SET", "mymaster", "down-after-milliseconds", "1000", "auth-pass", "a b"),
    }
    for name, data in client_requests.items():
        seed("resp_request", "client-" + name, b"\x00" + data)
    seed("resp_request", "client-unauthenticated", b"\x80" + cmd("AUTH", "secret") + cmd("PING"))

    # 3. A real redis-server's replies to a sentinel's commands, and its INFO texts.
    replies = exchange(master, cmd("CLIENT", "SETNAME", "sentinel-x-cmd") + cmd("PING") + cmd("INFO"))
    seed("link_reply", "master-cmd", b"\x00" + replies)
    seed("link_reply", "master-cmd-split", b"\x05" + replies)
    seed("link_reply", "replica-cmd", b"\x00" + exchange(replica, cmd("PING") + cmd("INFO")))
    seed("link_reply", "errors", b"\x00" + exchange(master, cmd("BOGUS") + cmd("SENTINEL", "x") + cmd("MULTI") + cmd("EXEC")))
    for name, port in (("master", master), ("replica", replica)):
        text = exchange(port, cmd("INFO"))
        seed("info_report", name, text.split(b"\r\n", 1)[1].rsplit(b"\r\n", 1)[0])

    # 4. Hellos as sentinels publish them, relayed by the server on the pub/sub link.
    hello_sub = socket.create_connection(("127.0.0.1", master))
    hello_sub.sendall(cmd("SUBSCRIBE", "__sentinel__:hello")); time.sleep(0.2)
    payloads = [
        b"127.0.0.1,26379,0079450eaa67cffc2668dbfba10d8d3c99e066cb,3,mymaster,127.0.0.1,%d,3" % master,
        b"::1,26380,1111111111111111111111111111111111111111,0,mymaster,::1,%d,0" % master,
        b"sentinel-1,26379,e2b1a1d6c9a5c8a3f61c1b9de6f25e0a0c3b7a11,12,mymaster,redis-master,6379,11",
    ]
    for p in payloads:
        exchange(master, cmd("PUBLISH", "__sentinel__:hello", p), settle=0.05)
    hello_sub.settimeout(0.5); relayed = b""
    try:
        while True:
            chunk = hello_sub.recv(65536)
            if not chunk:
                break
            relayed += chunk
    except socket.timeout:
        pass
    hello_sub.close()
    seed("link_reply", "pubsub-hellos", b"\x00" + relayed)
    for i, p in enumerate(payloads):
        seed("hello_message", "hello-%d" % i, p)
    seed("hello_message", "hellos-lines", b"\n".join(payloads))

    # 5. Config files: the repository's, Debian's, with command-line words after a NUL.
    repo = os.path.dirname(ROOT)
    confs = [os.path.join(repo, "config", f) for f in sorted(os.listdir(os.path.join(repo, "config")))
             if f.endswith(".conf")]
    confs += [os.path.join(repo, "docker", f) for f in sorted(os.listdir(os.path.join(repo, "docker")))
              if f.endswith(".conf")]
    confs += [p for p in ("/etc/redis/sentinel.conf",) if os.path.exists(p)]
    for path in confs:
        data = open(path, "rb").read()
        name = os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path)
        seed("sentinel_conf", name, data)
    seed("sentinel_conf", "overrides",
         b"sentinel monitor m 127.0.0.1 6379 2\nsentinel myid 0079450eaa67cffc2668dbfba10d8d3c99e066cb\n"
         b"sentinel known-sentinel m 127.0.0.1 26380 1111111111111111111111111111111111111111\n"
         b"sentinel config-epoch m 3\nsentinel auth-pass m \"a b\"\n"
         b"\x00--port\n26380\n--sentinel\nannounce-ip\n10.0.0.5\n--loglevel\nverbose")
    for f in sorted(os.listdir(os.path.join(repo, "config"))):
        if f.endswith(".toml"):
            seed("toml_config", f, open(os.path.join(repo, "config", f), "rb").read())
            seed("toml_config", "overrides-" + f, open(os.path.join(repo, "config", f), "rb").read()
                 + b"\x00--port\n26380\n--sentinel\nannounce-port\n5000")

    # 6. Glob patterns: flags byte (bit 0 nocase), pattern, 0xff, subject.
    globs = [(0, b"*", b"+sdown"), (0, b"+*", b"+switch-master"), (1, b"MyMaster*", b"mymaster-1"),
             (0, b"m[a-c]ster?", b"mbster1"), (0, b"[^a]*\\*", b"b*"), (1, b"*resolve*", b"resolve-hostnames"),
             (0, b"*?" * 20 + b"Z", b"a" * 40), (0, b"a*" * 30 + b"b", b"a" * 60)]
    for i, (flags, pattern, subject) in enumerate(globs):
        seed("glob", "glob-%d" % i, bytes([flags]) + pattern + b"\xff" + subject)
finally:
    for p in procs:
        p.kill(); p.wait()
    shutil.rmtree(tmp, ignore_errors=True)
PY
