#!/usr/bin/env python3
"""Memory and idle CPU of a mesh of processes (issue #15, README "Start-up profile"): per variant in turn,
N nodes launched at once (one seed, N-1 dialling it), the time and total CPU-seconds until every node
lists N-1 peers, then after SETTLE s the idle CPU over IDLE s and the medians of VmRSS, RssAnon and PSS.
Loopback and free ports only; every node is stopped by its PID. Run in target/quarkus-app (or APP=dir):
  python3 ab_mesh.py N SETTLE IDLE 'name=JVM flags [ENV:K=V] [JAVA:...] [APP:...]' ...
DUMP=1 also prints one node's heap, native memory (with -XX:NativeMemoryTracking=summary) and mappings."""
import os, sys, time, json, statistics, urllib.request, signal
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ab_start
st = vars(ab_start)
HERE = os.path.dirname(os.path.abspath(__file__))
def peers(hp):
    s, b = st['get'](f'http://127.0.0.1:{hp}/peers')
    if s != 200: return -1
    try:
        d = json.loads(b); return len(d if isinstance(d, list) else d.get('peers', []))
    except Exception: return -1
def run(n, settle, idle, name, flags, env, java, app):
    procs = []
    sp = None
    t0 = time.time()
    for i in range(n):
        p, hp, pp = st['launch'](flags + ['-Dp2p.min-peers=1'], env, sp, f'{ab_start.OUT}/mesh-{name}-{i}.log', java, app)
        if i == 0: sp = pp
        procs.append((p, hp))
    try:
        full, cfull = None, float("nan")
        while time.time() - t0 < 90:
            if all(peers(hp) == n - 1 for p, hp in procs):
                full = time.time() - t0; cfull = sum(st['cpu'](p.pid) for p, _ in procs); break
            time.sleep(0.2)
        time.sleep(settle)
        c0 = [st['cpu'](p.pid) for p, _ in procs]; time.sleep(idle); c1 = [st['cpu'](p.pid) for p, _ in procs]
        rss = [st['rss'](p.pid) for p, _ in procs]
        def field(pid, f, fn):
            for l in open(fn.format(pid)):
                if l.startswith(f + ':'): return int(l.split()[1]) / 1024
        anon = [field(p.pid, 'RssAnon', '/proc/{}/status') for p, _ in procs]
        pss = [field(p.pid, 'Pss', '/proc/{}/smaps_rollup') for p, _ in procs]
        idlep = [100 * (b - a) / idle for a, b in zip(c0, c1)]
        print(f'{name}: full mesh {full if full is None else round(full,1)} s, {cfull:.1f} CPU-s in all; RSS median {statistics.median(rss):.1f} MiB [{min(rss):.0f}-{max(rss):.0f}]; idle median {statistics.median(idlep):.2f} %; RssAnon {statistics.median(anon):.1f}; PSS {statistics.median(pss):.1f}; load {open("/proc/loadavg").read().split()[0]}', flush=True)
        if os.environ.get('DUMP'):
            pid = procs[1][0].pid
            print('   ', ' '.join(l.strip().replace('\t',' ') for l in open(f'/proc/{pid}/status') if l.startswith(('RssAnon','RssFile','RssShmem','Threads'))))
            hp1 = procs[1][1]
            os.system(f'curl -s localhost:{hp1}/q/metrics | grep -E "^jvm_buffer_memory_used|^jvm_memory_used" | tr "\n" " "; echo; jcmd {pid} VM.native_memory summary 2>/dev/null | grep -E "^-" | grep -v "reserved=0KB" | sed -E "s/reserved=[0-9]+KB, //" | tr -s " " | tr "\n" ";"; echo')
            os.system(f'jcmd {pid} GC.heap_info | grep -E "total|used" | head -4; python3 {HERE}/ab_smaps.py {pid}')
        return procs
    finally:
        for p, _ in procs: p.send_signal(signal.SIGTERM)
        for p, _ in procs:
            try: p.wait(10)
            except Exception: p.kill(); p.wait()
if __name__ == '__main__':
    n, settle, idle = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    for spec_ in sys.argv[4:]:
        run(n, settle, idle, *st['parse'](spec_))
