#!/usr/bin/env python3
"""Helpers of faults.sh and soak.sh that do not talk HTTP: what a process holds (from /proc and
jcmd), the soak's fault plan (seeded, so a failing run can be replayed), and the soak's reports.

Standard library only. Processes are given by PID; they are the simulation's own pods.
"""

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile

# /proc/net/tcp states (include/net/tcp_states.h)
TCP_STATES = {"01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1", "05": "FIN_WAIT2",
              "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING"}


# ---------------------------------------------------------------------------------------- /proc

def _sockets(pid):
    """{inode: (proto, local port, remote port, state)} of the sockets in the process's network
    namespace (/proc/PID/net/* shows the namespace the process lives in)."""
    out = {}
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, proto)) as fh:
                next(fh)
                for line in fh:
                    f = line.split()
                    lport = int(f[1].rsplit(":", 1)[1], 16)
                    rport = int(f[2].rsplit(":", 1)[1], 16)
                    state = TCP_STATES.get(f[3], f[3]) if proto.startswith("tcp") else "UDP"
                    out[f[9]] = (proto.rstrip("6"), lport, rport, state)
        except OSError:
            pass
    return out


def fd_kinds(pid, peer_port, http_port):
    """The process's file descriptors by kind. Sockets are named by what they are for: `peer`
    (a peer connection, either direction), `peer-listen`, `http` (a request being served: ours,
    transient), `http-listen`, `udp` (DNS queries), `tcp-other`; the rest by their link target."""
    socks = _sockets(pid)
    kinds = {}
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue   # closed meanwhile
        m = re.match(r"socket:\[(\d+)\]$", target)
        if m:
            s = socks.get(m.group(1))
            if s is None:
                k = "unix-or-other-socket"
            elif s[0] == "udp":
                k = "udp"
            elif s[3] == "LISTEN":
                k = "peer-listen" if s[1] == peer_port else "http-listen" if s[1] == http_port else "tcp-listen"
            elif s[1] == http_port:
                k = "http"
            elif peer_port in (s[1], s[2]):
                k = "peer" if s[3] == "ESTABLISHED" else "peer-" + s[3]
            else:
                k = "tcp-other"
        elif target.startswith("anon_inode:"):
            k = target[len("anon_inode:"):].strip("[]")
        elif target.startswith("pipe:"):
            k = "pipe"
        elif target.endswith(".jar"):
            k = "jar"
        else:
            k = "file"
        kinds[k] = kinds.get(k, 0) + 1
    return kinds


def threads(pid):
    """{name without its trailing number: count}; e.g. executor-thread, vert.x-eventloop-thread."""
    names = {}
    task = "/proc/%d/task" % pid
    for t in os.listdir(task):
        try:
            with open(os.path.join(task, t, "comm")) as fh:
                n = re.sub(r"[-0-9]*$", "", fh.read().strip()) or "?"
        except OSError:
            continue
        names[n] = names.get(n, 0) + 1
    return names


def tcp_states(pid, peer_port):
    """TCP sockets of the peer port in the process's namespace by state (TIME_WAIT belongs to the kernel)."""
    st = {}
    for proto, lport, rport, state in _sockets(pid).values():
        if proto == "tcp" and peer_port in (lport, rport):
            st[state] = st.get(state, 0) + 1
    return st


def heap(pid, rounds):
    """Heap after a full GC (jcmd GC.run, then GC.heap_info; `rounds` times in one attach), the lowest
    reading, in KiB: `old` (with the serial collector a full GC leaves every live object in the
    tenured generation) and `used` (all generations: old plus what was allocated since the GC)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jcmd", delete=False) as fh:
        fh.write("GC.run\nGC.heap_info\n" * rounds)
    try:
        r = subprocess.run(["jcmd", str(pid), "-f", fh.name], capture_output=True, text=True, timeout=120)
    finally:
        os.unlink(fh.name)
    if r.returncode != 0:
        raise RuntimeError("jcmd %s failed: %s" % (pid, (r.stdout + r.stderr).strip()[-300:]))
    readings, current = [], {}
    for gen, used in re.findall(r"^ (\w[\w ]*?generation)\s+total \d+K, used (\d+)K", r.stdout, re.M):
        if gen in current:          # the next GC.heap_info begins
            readings.append(current)
            current = {}
        current[gen] = int(used)
    if current:
        readings.append(current)
    if not readings:
        raise RuntimeError("cannot read jcmd GC.heap_info: " + r.stdout[:300])
    out = [{"old": next((v for g, v in gens.items() if "tenured" in g or "old" in g), sum(gens.values())),
            "used": sum(gens.values())} for gens in readings]
    return min(out, key=lambda x: x["old"])


def cmd_snapshot(a):
    """One JSON line: what process --pid holds (fds by kind, threads by name, TCP states, heap)."""
    # The heap first: the first attach starts the JVM's attach listener (a thread and a socket, for
    # good), which must be there in every reading of threads and fds.
    snap = {"pod": a.pod, "pid": a.pid, "heap_kib": heap(a.pid, a.heap_rounds)}
    snap.update({"fd_kinds": fd_kinds(a.pid, a.peer_port, a.http_port), "threads": threads(a.pid),
                 "tcp": tcp_states(a.pid, a.peer_port)})
    snap["fds"] = sum(snap["fd_kinds"].values())
    snap["thread_count"] = sum(snap["threads"].values())
    print(json.dumps(snap, sort_keys=True))


# ------------------------------------------------------------------------------------ leak report

# Quarkus' worker pool (blocking HTTP endpoints such as /node and the health checks run there):
# it grows with concurrent requests, which are the test's own probes, and shrinks after its
# keep-alive. It is bounded by construction, so it is compared with a slack, not for equality.
POOL_THREADS = ("executor-thread",)
# Sockets of HTTP requests in flight (the test's own probes) come and go.
TRANSIENT_FDS = ("http",)
# Jar files are opened when a class is first loaded from them and stay open: their number grows
# with the code paths a process has run, up to the jars of the application (--jars).
JAR_FDS = ("jar",)


def _load(path):
    with open(path) as fh:
        return {s["pod"]: s for s in (json.loads(line) for line in fh if line.strip())}


def cmd_leaks(a):
    """Compares the start and end snapshots of every process that lived through the whole soak.
    fds: equal, except sockets of HTTP requests in flight; threads: equal, except the worker pool,
    within --pool-slack; heap (old generation after a full GC): within --heap-slack-kib or
    --heap-slack-pct of the start, whichever is larger; peer sockets: one per peer, no CLOSE_WAIT;
    pings per peer and DNS lookups per second (--rates) at most --ping-max and --dns-max."""
    start, end = _load(a.start), _load(a.end)
    with open(a.rates) as fh:
        rates = json.load(fh)   # {"start"|"end": {"ping"|"dns": {pod: per second}}}
    rows, leaky, fail = [], [], False
    print("%-12s %7s %12s %12s %12s %12s %19s %5s %13s %13s %s" % (
        "pod", "pid", "fds", "jars", "threads", "pool thr.", "heap old KiB", "peers", "pings/s/peer", "lookups/s", "result"))
    for pod in sorted(end, key=lambda p: int(p.rsplit("-", 1)[1])):
        e = end[pod]
        s = start.get(pod)
        if s is None or s["pid"] != e["pid"]:
            continue
        problems = []
        loose = TRANSIENT_FDS + JAR_FDS
        fds_s = s["fds"] - sum(s["fd_kinds"].get(k, 0) for k in loose)
        fds_e = e["fds"] - sum(e["fd_kinds"].get(k, 0) for k in loose)
        if fds_e != fds_s:
            diff = {k: (s["fd_kinds"].get(k, 0), e["fd_kinds"].get(k, 0)) for k in set(s["fd_kinds"]) | set(e["fd_kinds"])
                    if k not in loose and s["fd_kinds"].get(k, 0) != e["fd_kinds"].get(k, 0)}
            problems.append("fds %s" % json.dumps(diff, sort_keys=True))
        jars_s, jars_e = s["fd_kinds"].get("jar", 0), e["fd_kinds"].get("jar", 0)
        if jars_e > a.jars:
            problems.append("%d jar files open, the application has %d" % (jars_e, a.jars))
        pool_s = sum(s["threads"].get(k, 0) for k in POOL_THREADS)
        pool_e = sum(e["threads"].get(k, 0) for k in POOL_THREADS)
        fixed_s, fixed_e = s["thread_count"] - pool_s, e["thread_count"] - pool_e
        if fixed_e != fixed_s:
            diff = {k: (s["threads"].get(k, 0), e["threads"].get(k, 0)) for k in set(s["threads"]) | set(e["threads"])
                    if k not in POOL_THREADS and s["threads"].get(k, 0) != e["threads"].get(k, 0)}
            problems.append("threads %s" % json.dumps(diff, sort_keys=True))
        if pool_e > pool_s + a.pool_slack:
            problems.append("worker pool %d -> %d (slack %d)" % (pool_s, pool_e, a.pool_slack))
        h_s, h_e = s["heap_kib"]["old"], e["heap_kib"]["old"]
        slack = max(a.heap_slack_kib, h_s * a.heap_slack_pct / 100.0)
        if h_e > h_s + slack:
            problems.append("heap +%d KiB (slack %d)" % (h_e - h_s, slack))
        peers_e = e["fd_kinds"].get("peer", 0)
        if peers_e != a.peers or e["tcp"].get("CLOSE_WAIT", 0):
            problems.append("peer sockets %d (want %d), tcp %s" % (peers_e, a.peers, json.dumps(e["tcp"], sort_keys=True)))
        # A leaked timer shows as activity beyond what the configuration asks for.
        shown = []
        for key, ceiling in (("ping", a.ping_max), ("dns", a.dns_max)):
            r_s, r_e = rates["start"][key].get(pod), rates["end"][key].get(pod)
            shown.append("%s -> %s" % (r_s, r_e))
            if r_e is None or r_e > ceiling:
                problems.append("%s rate %s > %g" % (key, r_e, ceiling))
        fail = fail or bool(problems)
        if problems:
            leaky.append(pod)
        print("%-12s %7d %5d -> %-4d %5d -> %-4d %5d -> %-4d %5d -> %-4d %8d -> %-8d %5d %13s %13s %s" % (
            pod, e["pid"], fds_s, fds_e, jars_s, jars_e, fixed_s, fixed_e, pool_s, pool_e, h_s, h_e, peers_e, shown[0], shown[1],
            "PASS" if not problems else "FAIL: " + "; ".join(problems)))
        rows.append(pod)
    if not rows:
        print("no process lived through the whole soak")
        fail = True
    print("fds without sockets of HTTP requests in flight and jars (at most the application's %d); threads "
          "without the worker pool (executor-thread, compared within +%d); heap: old generation after a full GC, "
          "allowed +max(%d KiB, %g%%); peers: peer sockets at the end, no CLOSE_WAIT; pings per peer and DNS "
          "lookups per second at most %g and %g" % (a.jars, a.pool_slack, a.heap_slack_kib, a.heap_slack_pct,
                                                    a.ping_max, a.dns_max))
    print("%d processes lived through the whole soak, %d with a leak" % (len(rows), len(leaky)))
    sys.exit(1 if fail else 0)


# -------------------------------------------------------------------------------------- the plan

# kind: (weight, may it restart the process?)
KINDS = {
    "kill9": (2, True),        # kill -9, then a new process at the same address
    "restart": (1, True),      # SIGTERM (exit 143, bye), then a new process at the same address
    "stop-short": (2, False),  # SIGSTOP below ping-timeout - ping-interval, SIGCONT: must not be dropped
    "stop-long": (1, False),   # SIGSTOP until every peer dropped it, SIGCONT: rejoins
    "partition": (2, False),   # routes prohibited until every peer dropped it, then healed: rejoins
    "dns": (1, False),         # dnsmasq stopped, later started again: nobody dropped, lookups fail then succeed
}


def cmd_plan(a):
    """Fault lines `index kind pod hold-seconds gap-seconds`, from --seed: the same seed, the same
    faults on the same pods with the same holds and gaps."""
    rng = random.Random(a.seed)
    pods = ["peermesh-%d" % i for i in range(a.pods)]
    killable = pods[a.long_lived:]
    kinds = [k for k in KINDS if killable or not KINDS[k][1]]
    weights = [KINDS[k][0] for k in kinds]
    for i in range(1, a.count + 1):
        kind = rng.choices(kinds, weights)[0]
        pod = "-" if kind == "dns" else rng.choice(killable if KINDS[kind][1] else pods)
        hold = {"stop-short": rng.uniform(a.short_min, a.short_max), "dns": rng.uniform(3.0, 6.0)}.get(kind, 0.0)
        gap = rng.uniform(a.gap_min, a.gap_max)
        print("%d %s %s %.2f %.2f" % (i, kind, pod, hold, gap))


# ------------------------------------------------------------------------------------ the report

def cmd_report(a):
    """The soak's table from its record file (`index kind pod recovery-seconds PASS|FAIL detail`):
    per kind, how many, recovery p50 and max, the bound, PASS/FAIL."""
    rows = []
    with open(a.records) as fh:
        for line in fh:
            f = line.rstrip("\n").split(" ", 5)
            if len(f) >= 5:
                rows.append((f[1], f[2], float(f[3]) if f[3] != "-" else None, f[4]))
    print("%-11s %5s %9s %9s %7s %s" % ("fault", "count", "p50 s", "max s", "bound", "result"))
    fail = not rows
    for kind in list(KINDS) + ["all"]:
        sel = [r for r in rows if kind in ("all", r[0])]
        if not sel:
            continue
        rec = [r[2] for r in sel if r[2] is not None]
        bad = [r for r in sel if r[3] != "PASS"]
        fail = fail or bool(bad)
        print("%-11s %5d %9s %9s %6.0fs %s" % (
            kind, len(sel), "%.1f" % statistics.median(rec) if rec else "-", "%.1f" % max(rec) if rec else "-",
            a.bound, "PASS" if not bad else "FAIL (%d)" % len(bad)))
    sys.exit(1 if fail else 0)


# Each command's options: (name, type, default); a default of None makes the option required.
COMMANDS = {
    "snapshot": (cmd_snapshot, [("pod", str, None), ("pid", int, None), ("peer-port", int, None),
                                ("http-port", int, None), ("heap-rounds", int, 2)]),
    "leaks": (cmd_leaks, [("start", str, None), ("end", str, None), ("peers", int, None), ("rates", str, None),
                          ("jars", int, None), ("ping-max", float, None), ("dns-max", float, None),
                          ("pool-slack", int, 4), ("heap-slack-kib", int, 1024), ("heap-slack-pct", float, 10.0)]),
    "plan": (cmd_plan, [("seed", int, None), ("count", int, None), ("pods", int, None), ("long-lived", int, None),
                        ("short-min", float, 1.0), ("short-max", float, 2.0), ("gap-min", float, 1.0),
                        ("gap-max", float, 4.0)]),
    "report": (cmd_report, [("records", str, None), ("bound", float, None)]),
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, (fn, options) in COMMANDS.items():
        s = sub.add_parser(name, help=fn.__doc__.split("\n")[0])
        s.set_defaults(fn=fn)
        for opt, typ, default in options:
            s.add_argument("--" + opt, type=typ, default=default, required=default is None)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
