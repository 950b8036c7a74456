#!/usr/bin/env python3
"""Helpers of sidecar.sh: the processes it runs inside the namespaces (a sidecar's inbound
forwarder, a gray listener, a hostile client) and the checks it needs beyond sim.py's (who
connects from where, gray links in /node/targets, a metric back to a value, a quiet window).

Standard library only. Checks print sim.py's last line (ok|FAILED <seconds> <what was seen>);
HTTP goes only to the pod IPs given as name=ip; the processes connect only to the addresses given.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import struct
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no __pycache__ in the source tree
import sim  # noqa: E402  (Pods, http_json, poll, done)

SO_ORIGINAL_DST = 80  # linux/netfilter_ipv4.h: where a REDIRECTed connection was headed
SIDECAR_SOURCE = "127.0.0.6"


# ----------------------------------------------------------------------------------- the sidecar

def _original_dst(sock):
    raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)   # struct sockaddr_in
    port, packed = struct.unpack_from("!2xH4s", raw)
    return socket.inet_ntoa(packed), port


async def _pipe(reader, writer, counter):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            counter[0] += len(data)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()   # a half-close goes through, as Envoy's tcp_proxy passes it on
    except (ConnectionError, OSError):
        writer.transport.abort()   # a reset on one side resets the other


async def _close_all(tasks):
    """Resets the connections of the handler tasks {task: [writers]} and lets the handlers finish
    (a handler still connecting is cancelled, and returns)."""
    for task, writers in list(tasks.items()):
        for w in writers:
            w.transport.abort()
        task.cancel()
    await asyncio.gather(*list(tasks), return_exceptions=True)


def cmd_forward(a):
    """The inbound half of an Istio sidecar (sidecar mode, Istio >= 1.10): connections REDIRECTed
    to --port are connected on to where they were headed (SO_ORIGINAL_DST: the pod IP and the peer
    port) from --bind (Istio binds its inbound upstream connections to 127.0.0.6, so the app sees
    every inbound connection come from there). Accepted first, then connected: when nothing listens
    behind, the client sees a connection that closes, as with Envoy. At most --max-conns at once."""
    stats = {"accepted": 0, "forwarded": 0, "upstream_failed": 0, "over_limit": 0, "bytes": [0]}
    handlers = {}   # task -> its writers (client side, then upstream)

    async def forward(reader, writer, mine):
        try:
            dst = _original_dst(writer.get_extra_info("socket"))
        except OSError:
            return
        if len(handlers) > a.max_conns or dst[1] == a.port:
            stats["over_limit"] += 1
            return
        try:
            up_r, up_w = await asyncio.wait_for(
                asyncio.open_connection(dst[0], dst[1], local_addr=(a.bind, 0)), timeout=a.connect_timeout)
        except (OSError, asyncio.TimeoutError):
            stats["upstream_failed"] += 1
            return
        stats["forwarded"] += 1
        mine.append(up_w)
        await asyncio.gather(_pipe(reader, up_w, stats["bytes"]), _pipe(up_r, writer, stats["bytes"]))

    async def handle(reader, writer):
        stats["accepted"] += 1
        task = asyncio.current_task()
        mine = handlers[task] = [writer]
        try:
            await forward(reader, writer, mine)
        except asyncio.CancelledError:
            pass   # stopping: a handler must not end cancelled (asyncio's streams would log it)
        finally:
            handlers.pop(task, None)
            for w in mine:
                w.close()

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        server = await asyncio.start_server(handle, "0.0.0.0", a.port, reuse_address=True, backlog=1024)
        print("listening on 0.0.0.0:%d, connecting on from %s" % (a.port, a.bind), flush=True)
        await stop.wait()
        server.close()
        s = dict(stats, bytes=stats["bytes"][0], open=len(handlers))
        await _close_all(handlers)
        print("stopped: " + json.dumps(s, sort_keys=True), flush=True)

    asyncio.run(main())


# ------------------------------------------------------------------------------- a gray listener

def cmd_gray_listen(a):
    """Accepts TCP connections on --host:--port and never sends a byte (what it is sent is read and
    dropped, so no buffer fills): a proxy accepting for a dead pod, a hung process whose kernel
    still completes connects. At most --max open connections; more are closed at once."""
    conns = {}   # task -> [its writer]
    stats = {"accepted": 0}

    async def handle(reader, writer):
        stats["accepted"] += 1
        if len(conns) >= a.max:
            writer.transport.abort()
            return
        task = asyncio.current_task()
        conns[task] = [writer]
        try:
            while await reader.read(65536):
                pass
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass   # reset, or stopping (a handler must not end cancelled: asyncio's streams would log it)
        finally:
            conns.pop(task, None)
            writer.close()

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        server = await asyncio.start_server(handle, a.host, a.port, reuse_address=True)
        print("listening on %s:%d, answering nothing" % (a.host, a.port), flush=True)
        await stop.wait()
        server.close()
        await _close_all(conns)
        print("stopped: accepted %d connections" % stats["accepted"], flush=True)

    asyncio.run(main())


# -------------------------------------------------------------------------------- hostile client

async def _closed_by_node(reader, deadline):
    """Reads until the node closes the connection; True if it did within the deadline."""
    async def drain():
        while await reader.read(65536):
            pass
    try:
        await asyncio.wait_for(drain(), deadline)
        return True
    except (ConnectionError, OSError):
        return True   # reset: closed too
    except asyncio.TimeoutError:
        return False


async def _garbage(host, port, line):
    """One connection that sends `line`; True when the node closed it (within 10 s)."""
    try:
        r, w = await asyncio.open_connection(host, port)
    except OSError:
        return True   # refused outright
    try:
        w.write(line)
        await w.drain()
    except (ConnectionError, OSError):
        pass          # closed under us while writing: by the node
    ok = await _closed_by_node(r, 10)
    w.close()
    return ok


async def _ping_flood(host, port, network):
    """A valid hello, then pings far beyond p2p.limits.message-rate/burst."""
    try:
        r, w = await asyncio.open_connection(host, port)
    except OSError:
        return False
    hello = {"msgtype": "hello", "nodeid": str(uuid.uuid4()), "version": 1, "network": network, "peercount": 0}
    w.write((json.dumps(hello) + "\n").encode())
    await w.drain()
    try:
        answer = await asyncio.wait_for(r.readline(), 10)
    except (asyncio.TimeoutError, ConnectionError, OSError):
        answer = b""
    pings = b"".join(b'{"msgtype":"ping","nonce":"%d"}\n' % i for i in range(5000))
    try:
        w.write(pings)
        await w.drain()
    except (ConnectionError, OSError):
        pass
    ok = await _closed_by_node(r, 10)
    w.close()
    return ok, b'"hello"' in answer


async def _conn_flood(host, port, count, hold):
    """`count` connections at once that never say hello, each held until the node closes it or
    for `hold` seconds; returns how many the node closed."""
    async def one():
        try:
            r, w = await asyncio.open_connection(host, port)
        except OSError:
            return True   # refused outright: also the node's (or its sidecar's) doing
        ok = await _closed_by_node(r, hold)
        w.close()
        return ok
    return sum(await asyncio.gather(*(one() for _ in range(count))))


def cmd_hostile(a):
    """Attacks --target (host:port) in --rounds rounds: garbage lines on fresh connections, a ping
    flood after a valid hello, a line over p2p.max-frame-bytes, a flood of silent connections.
    Prints one JSON line per round and a summary ([closed by the node, tried] per attack, and how
    many hellos were answered); exits 1 if the node failed to close a connection it should have
    closed."""
    host, port = a.target.rsplit(":", 1)
    port = int(port)
    rng = random.Random(a.seed)
    total = {"garbage": [0, 0], "ping_flood": [0, 0], "hello_answered": [0, 0], "big_line": [0, 0], "silent": [0, 0]}

    async def main():
        for rnd in range(a.rounds):
            got = {}
            ok = 0
            for i in range(a.garbage):
                junk = b"garbage " + bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 80))) + b"\n"
                ok += await _garbage(host, port, junk)
            got["garbage"] = [ok, a.garbage]
            ok = answered = 0
            for i in range(2):
                closed, hello = await _ping_flood(host, port, a.network)
                ok += closed
                answered += hello
            got["ping_flood"] = [ok, 2]
            got["hello_answered"] = [answered, 2]
            ok = await _garbage(host, port, b"x" * (a.max_frame + 1024))
            got["big_line"] = [int(ok), 1]
            got["silent"] = [await _conn_flood(host, port, a.silent, a.hold), a.silent]
            for k, v in got.items():
                total[k][0] += v[0]
                total[k][1] += v[1]
            print(json.dumps({"round": rnd + 1, **got}), flush=True)

    t0 = time.time()
    asyncio.run(main())
    bad = {k: v for k, v in total.items() if v[0] != v[1] and k != "hello_answered"}
    print(json.dumps({"total": total, "seconds": round(time.time() - t0, 1)}), flush=True)
    sys.exit(1 if bad else 0)


# ------------------------------------------------------------------------------------------ checks

def _ip(addr):
    return str(addr).lstrip("/").rsplit(":", 1)[0]


def cmd_paths(a):
    """Every pod's inbound peers arrive from --source (the sidecar's address), every peer's listen
    address and every dial target is a pod address (--net prefix): the shared source address was
    never learned as an address of a peer. Waits up to --deadline for the inbound side to hold."""
    pods = sim.Pods(a.pods)

    def one(n, ip):
        s, peers = sim.http_json(pods.url(ip, "/peers"))
        s2, targets = sim.http_json(pods.url(ip, "/node/targets"))
        if s != 200 or s2 != 200 or not isinstance(peers, list) or not isinstance(targets, list):
            return None
        return peers, targets

    def check():
        got = pods.each(one)
        problems, inbound, outbound = [], 0, 0
        for n, v in got.items():
            if v is None:
                problems.append("%s: no answer" % n)
                continue
            peers, targets = v
            for p in peers:
                src = _ip(p.get("remoteAddress"))
                if p.get("direction") == "inbound":
                    inbound += 1
                    if src != a.source:
                        problems.append("%s: inbound peer %s from %s, not %s" % (n, p.get("nodeid", "?")[:8], src, a.source))
                else:
                    outbound += 1
                if not _ip(p.get("listenAddress")).startswith(a.net):
                    problems.append("%s: peer %s listens at %s" % (n, p.get("nodeid", "?")[:8], p.get("listenAddress")))
            for t in targets:
                if not _ip(t.get("address")).startswith(a.net):
                    problems.append("%s dials %s (%s)" % (n, t.get("address"), t.get("source")))
        if inbound == 0:
            problems.append("no inbound connection anywhere")
        return not problems, (problems, inbound, outbound)

    ok, (problems, inbound, outbound), el = sim.poll(a.deadline, check, interval=0.5)
    sim.done(ok, el, "%d inbound connections, every one from %s; %d outbound; every listen address and dial "
             "target in %s*" % (inbound, a.source, outbound, a.net) if ok else "; ".join(problems)[:1200])


def _targets(pods):
    def one(n, ip):
        s, t = sim.http_json(pods.url(ip, "/node/targets"))
        return t if s == 200 and isinstance(t, list) else None
    return pods.each(one)


def cmd_link(a):
    """Waits until, on every pod (--any: on one at least), the dial target --addr has link --link
    (`none`: no gray link; `gone`: no such target at all) and, with --state, that state. Prints the
    target's state, link and problem as seen."""
    pods = sim.Pods(a.pods)

    def check():
        got = _targets(pods)
        bad, seen = {}, {}
        if a.any:
            good = {n: t for n, ts in got.items() for t in ts or [] if t.get("address") == a.addr
                    and (t.get("link") or "none") == a.link and (not a.state or t.get("state") == a.state)}
            return bool(good), ({} if good else {"all": "none yet"}, good)
        for n, targets in got.items():
            if targets is None:
                bad[n] = "no answer"
                continue
            t = next((x for x in targets if x.get("address") == a.addr), None)
            seen[n] = t
            if a.link == "gone":
                if t is not None:
                    bad[n] = "still a target: state %s, source %s, link %s" % (t.get("state"), t.get("source"), t.get("link"))
            elif t is None:
                bad[n] = "no target"
            elif (t.get("link") or "none") != a.link or (a.state and t.get("state") != a.state):
                bad[n] = "state %s, link %s" % (t.get("state"), t.get("link"))
        return not bad, (bad, seen)

    ok, (bad, seen), el = sim.poll(a.deadline, check, interval=0.25)
    example = next((t for t in seen.values() if t), None)
    what = {"gone": "no target %s on any pod" % a.addr}.get(a.link, "%s: link %s%s on %d pod(s)" % (
        a.addr, a.link, " (state %s)" % a.state if a.state else "", len(seen)))
    if ok and example and a.link not in ("gone", "none"):
        what += ", e.g. \"%s\"" % str(example.get("problem"))[:110]
    elif ok and example and not a.state:
        what += " (state %s)" % example.get("state")
    sim.done(ok, el, what if ok else "not yet: " + json.dumps(bad, sort_keys=True)[:1000])


def cmd_no_link_data(a):
    """Waits until no pod's readiness data names a gray link (no link1)."""
    pods = sim.Pods(a.pods)

    def one(n, ip):
        s, body = sim.http_json(pods.url(ip, pods.m["ready_path"]))
        checks = body.get("checks", []) if isinstance(body, dict) else []
        c = next((c for c in checks if c.get("name") == "peermesh-peers"), None)
        return None if c is None else (c.get("data") or {}).get("link1", "")

    def check():
        got = pods.each(one)
        bad = {n: v for n, v in got.items() if v is None or v}
        return not bad, bad

    ok, bad, el = sim.poll(a.deadline, check, interval=0.25)
    sim.done(ok, el, "no gray link in any pod's readiness data" if ok else "still: " + json.dumps(bad)[:800])


def cmd_metric_is(a):
    """Waits until the metric (series matching --match) is exactly --value on every pod."""
    pods = sim.Pods(a.pods)

    def check():
        got = pods.metric(a.name, a.match)
        return all(v == a.value for v in got.values()), got

    ok, got, el = sim.poll(a.deadline, check, interval=0.25)
    series = a.name + ("{%s}" % a.match if a.match else " (all series)")
    sim.done(ok, el, "%s = %g on every pod" % (series, a.value) if ok else
             "%s: %s" % (series, json.dumps(got, sort_keys=True)))


def cmd_peer_direction(a):
    """Waits until every pod lists node --id as a peer connected in direction --want, and prints
    where that connection comes from (the socket's remote address)."""
    pods = sim.Pods(a.pods)

    def one(n, ip):
        s, peers = sim.http_json(pods.url(ip, "/peers"))
        if s != 200 or not isinstance(peers, list):
            return None
        return next(((p.get("direction"), p.get("remoteAddress")) for p in peers if p.get("nodeid") == a.id), ("absent", None))

    def check():
        got = pods.each(one)
        return all(v is not None and v[0] == a.want for v in got.values()), got

    ok, got, el = sim.poll(a.deadline, check, interval=0.25)
    sim.done(ok, el, ", ".join("%s: node %s... %s from %s" % (n, a.id[:8], v[0], _ip(v[1])) for n, v in got.items()) if ok
             else "not %s: %s" % (a.want, json.dumps(got, sort_keys=True)))


def cmd_victim(a):
    """The pod with the most inbound peers (ties: the first), as `name inbound-count`."""
    pods = sim.Pods(a.pods)

    def one(n, ip):
        s, peers = sim.http_json(pods.url(ip, "/peers"))
        return sum(p.get("direction") == "inbound" for p in peers) if s == 200 and isinstance(peers, list) else -1
    got = pods.each(one)
    best = max(got, key=lambda n: got[n])
    print("%s %d" % (best, got[best]))


def cmd_quiet_window(a):
    """Waits until --seconds have passed since the pod's latest inbound handshake (the newest
    connectedSince of its inbound peers): from then on no valid handshake from the shared address
    is on record within ban-duration, and only the established peers vouch for it."""
    pods = sim.Pods(a.pods)

    def check():
        s, peers = sim.http_json(pods.url(pods.pods[0][1], "/peers"))
        if s != 200 or not isinstance(peers, list):
            return False, None
        inbound = [sim._ts(p["connectedSince"]) for p in peers if p.get("direction") == "inbound" and p.get("connectedSince")]
        if not inbound:
            return False, None
        age = time.time() - max(inbound)
        return age >= a.seconds, age

    ok, age, el = sim.poll(a.deadline, check, interval=0.5)
    sim.done(ok, el, "latest inbound handshake %.0fs ago (>= %gs)" % (age, a.seconds) if ok else
             "latest inbound handshake %s s ago" % (age if age is None else "%.0f" % age))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, *args):
        s = sub.add_parser(name)
        s.set_defaults(fn=fn)
        for flags, kw in args:
            s.add_argument(*flags, **kw)
        return s

    pods = (["pods"], {"nargs": "*", "help": "name=ip"})
    deadline = (["--deadline"], {"type": float, "default": 30.0})
    add("forward", cmd_forward, (["--port"], {"type": int, "default": 15006}), (["--bind"], {"default": SIDECAR_SOURCE}),
        (["--max-conns"], {"type": int, "default": 1024}), (["--connect-timeout"], {"type": float, "default": 3.0}))
    add("gray-listen", cmd_gray_listen, (["--host"], {"required": True}), (["--port"], {"type": int, "required": True}),
        (["--max"], {"type": int, "default": 256}))
    add("hostile", cmd_hostile, (["--target"], {"required": True}), (["--rounds"], {"type": int, "default": 2}),
        (["--garbage"], {"type": int, "default": 10}), (["--silent"], {"type": int, "default": 100}),
        (["--hold"], {"type": float, "default": 12.0}), (["--max-frame"], {"type": int, "default": 65536}),
        (["--network"], {"default": "peermesh"}), (["--seed"], {"type": int, "default": 10}))
    add("paths", cmd_paths, pods, deadline, (["--source"], {"default": SIDECAR_SOURCE}), (["--net"], {"required": True}))
    add("link", cmd_link, pods, deadline, (["--addr"], {"required": True}),
        (["--link"], {"choices": ["no_hello", "one_way", "none", "gone"], "required": True}), (["--state"], {"default": None}),
        (["--any"], {"action": "store_true"}))
    add("no-link-data", cmd_no_link_data, pods, deadline)
    add("metric-is", cmd_metric_is, pods, deadline, (["--name"], {"required": True}), (["--match"], {"default": None}),
        (["--value"], {"type": float, "required": True}))
    add("peer-direction", cmd_peer_direction, pods, deadline, (["--id"], {"required": True}),
        (["--want"], {"choices": ["inbound", "outbound"], "required": True}))
    add("victim", cmd_victim, pods)
    add("quiet-window", cmd_quiet_window, pods, deadline, (["--seconds"], {"type": float, "required": True}))
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
