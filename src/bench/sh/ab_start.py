#!/usr/bin/env python3
"""A/B of node starts (issue #15, README "Start-up profile"): the variants alternate, ROUNDS + 1 times
(the first round is not counted), each against one running seed node; prints per run and as medians the
time to /q/health/ready UP, CPU-seconds at that moment and 3 s later, VmRSS and threads 3 s after ready.
Loopback and free ports only; every process it starts it stops by its PID (SIGTERM, then SIGKILL).
Run in target/quarkus-app (or APP=dir):
  python3 ab_start.py ROUNDS 'name=JVM flags [ENV:K=V] [JAVA:/path/to/java] [APP:/other/quarkus-app]' ...
THREADS=1 also prints CPU per thread at ready. Logs go to $OUT (default /tmp/peermesh-ab)."""
import re, os, sys, time, subprocess, socket, signal, json, urllib.request, statistics, shlex
APP = os.environ.get('APP', os.getcwd())
OUT = os.environ.get('OUT', '/tmp/peermesh-ab'); os.makedirs(OUT, exist_ok=True)
JAVA = os.environ.get('JAVA', 'java')
TCK = os.sysconf('SC_CLK_TCK')
def free():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p
def cpu(pid):
    with open(f'/proc/{pid}/stat') as f: x = f.read().rsplit(')', 1)[1].split()
    return (int(x[11]) + int(x[12])) / TCK
def rss(pid):
    for l in open(f'/proc/{pid}/status'):
        if l.startswith('VmRSS'): return int(l.split()[1]) / 1024
def threads(pid):
    out = {}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            x = open(f'/proc/{pid}/task/{t}/stat').read()
            n = x[x.index('(')+1:x.rindex(')')]; f = x.rsplit(')',1)[1].split()
            n = re.sub(r'[0-9]+$', '#', n)
            out[n] = out.get(n, 0) + (int(f[11])+int(f[12]))/TCK
        except Exception: pass
    print('   threads:', ', '.join(f'{k} {v:.2f}' for k, v in sorted(out.items(), key=lambda kv: -kv[1]) if v > 0))
def get(url):
    try:
        with urllib.request.urlopen(url, timeout=0.5) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, b''
    except Exception: return None, b''
def launch(flags, env_extra, peerport, log, java=None, app=None):
    hp, pp = free(), free()
    cmd = shlex.split(java or JAVA) + flags + [f'-Dquarkus.http.port={hp}', '-Dquarkus.http.host=127.0.0.1', '-Dp2p.host=127.0.0.1', f'-Dp2p.port={pp}'] \
        + ([f'-Dp2p.bootstrap=127.0.0.1:{peerport}'] if peerport else ['-Dp2p.min-peers=0']) + ['-jar', 'quarkus-run.jar']
    env = dict(os.environ); env.update(env_extra)
    p = subprocess.Popen(cmd, cwd=app or APP, stdout=open(log, 'w'), stderr=subprocess.STDOUT, env=env)
    return p, hp, pp
def stop(p):
    p.send_signal(signal.SIGTERM)
    try: p.wait(10)
    except subprocess.TimeoutExpired: p.kill(); p.wait()
def parse(spec):
    name, rest = spec.split('=', 1)
    env, flags, java, app = {}, [], None, None
    for t in shlex.split(rest):
        if t.startswith('ENV:'): k, v = t[4:].split('=', 1); env[k] = v
        elif t.startswith('JAVA:'): java = t[5:]
        elif t.startswith('APP:'): app = t[4:]
        else: flags.append(t)
    return name, flags, env, java, app
def main():
    rounds = int(sys.argv[1]); variants = [parse(s) for s in sys.argv[2:]]
    seed, shp, spp = launch(['-XX:SharedArchiveFile=app-cds.jsa','-XX:+UseSerialGC','-XX:TieredStopAtLevel=1','-Xmn8m'], {}, None, f'{OUT}/seed.log')
    try:
        for _ in range(300):
            if get(f'http://127.0.0.1:{shp}/q/health/started')[0] == 200: break
            time.sleep(0.05)
        res = {v[0]: [] for v in variants}
        for r in range(rounds + 1):
            for name, flags, env, java, app in variants:
                p, hp, pp = launch(flags, env, spp, f'{OUT}/{name}-{r}.log', java, app)
                t0 = time.time(); ready = None
                while time.time() - t0 < 30:
                    st, _ = get(f'http://127.0.0.1:{hp}/q/health/ready')
                    if st == 200:
                        ready = time.time() - t0; c_ready = cpu(p.pid)
                        if os.environ.get('THREADS'): threads(p.pid)
                        break
                    time.sleep(0.01)
                if ready is None: print(name, 'not ready'); stop(p); continue
                time.sleep(3); c3 = cpu(p.pid); m = rss(p.pid)
                thr = len(os.listdir(f'/proc/{p.pid}/task'))
                stop(p)
                if r > 0: res[name].append((ready, c_ready, c3, m, thr))
                print(f'{name} r{r}: ready {ready:.2f}s cpu@ready {c_ready:.2f} cpu@+3s {c3:.2f} rss {m:.0f}MiB thr {thr} load {open("/proc/loadavg").read().split()[0]}', flush=True)
                time.sleep(0.5)
        print('--- medians')
        for name, l in res.items():
            if not l: continue
            med = [statistics.median(x[i] for x in l) for i in range(5)]
            print(f'{name}: ready {med[0]:.2f}s [{min(x[0] for x in l):.2f}-{max(x[0] for x in l):.2f}] cpu@ready {med[1]:.2f} [{min(x[1] for x in l):.2f}-{max(x[1] for x in l):.2f}] cpu@+3s {med[2]:.2f} rss {med[3]:.0f} thr {med[4]:.0f}')
    finally:
        stop(seed)
if __name__ == '__main__':
    main()
