#!/usr/bin/env python3
"""Helpers of cluster.sh: what to read from the manifests, and every check that talks HTTP to the
pods or to Prometheus. Each check polls with a deadline and exits 0 (met) or 1 (not met, with the
last state it saw on stdout). Pods are given as name=ip; HTTP goes only to those pod IPs and to
the simulation's own Prometheus.

Standard library only: a fresh CI machine has python3 but maybe not PyYAML (see yamlmini.py).
"""

import argparse
import concurrent.futures
import datetime
import glob
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import yamlmini  # noqa: E402

# ---------------------------------------------------------------------------------------- manifests

# Used when k8s/base/statefulset.yaml does not exist: what the StatefulSet sets (keep in step with it).
FALLBACK_ENV = [
    {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
    {"name": "P2P_HOST", "value": "0.0.0.0"},
    {"name": "P2P_PORT", "value": "5999"},
    {"name": "P2P_ADVERTISE", "value": "$(POD_IP):5999"},
    {"name": "P2P_DISCOVERY_DNS", "value": "peermesh-peers"},
    {"name": "P2P_DISCOVERY_DNS_INTERVAL", "value": "5s"},
    {"name": "P2P_NETWORK", "value": "peermesh"},
    {"name": "P2P_PING_INTERVAL", "value": "2s"},
    {"name": "P2P_PING_TIMEOUT", "value": "6s"},
    {"name": "P2P_MIN_PEERS", "value": "1"},
]

# Shorter than in the manifests, so that a scenario takes seconds instead of minutes.
SIM_OVERRIDES = [("P2P_PING_INTERVAL", "1s"), ("P2P_PING_TIMEOUT", "3s"), ("P2P_DISCOVERY_DNS_INTERVAL", "1s")]

EXPECTED_ALERTS = ["PeermeshNodeWithoutPeers", "PeermeshMeshIncomplete", "PeermeshPingRttHigh", "PeermeshPeersTimingOut"]


def k8s_dir(repo):
    """k8s/ of the repository; SIM_K8S_DIR points elsewhere (e.g. manifests not merged yet)."""
    return os.environ.get("SIM_K8S_DIR") or os.path.join(repo, "k8s")


def _load_docs(repo):
    """The manifests as documents, and where they came from; (None, why) when there are none."""
    k8s = k8s_dir(repo)
    if not os.path.exists(os.path.join(k8s, "base", "statefulset.yaml")):
        return None, "built-in list (k8s/base/statefulset.yaml not found)"
    notes = []
    # SIM_KUBECTL=none behaves as a fresh CI machine without kubectl.
    kubectl = None if os.environ.get("SIM_KUBECTL") == "none" else shutil.which(os.environ.get("SIM_KUBECTL") or "kubectl")
    if kubectl and os.path.exists(os.path.join(k8s, "kustomization.yaml")):
        try:
            out = subprocess.run([kubectl, "kustomize", k8s], capture_output=True, text=True, timeout=60)
            if out.returncode == 0:
                return yamlmini.load_all(out.stdout), "kubectl kustomize k8s"
            notes.append("kubectl kustomize failed: " + out.stderr.strip().splitlines()[-1][:200])
        except (OSError, subprocess.TimeoutExpired) as e:
            notes.append("kubectl kustomize failed: %s" % e)
    docs = []
    for f in sorted(glob.glob(os.path.join(k8s, "base", "*.y*ml"))):
        if os.path.basename(f) == "kustomization.yaml":
            continue
        with open(f) as fh:
            docs.extend(d for d in yamlmini.load_all(fh.read()) if isinstance(d, dict))
    why = "no kubectl" if not kubectl else "; ".join(notes)
    return docs, "k8s/base/*.yaml read directly (%s: kustomize patches not applied)" % why


def _port(value, ports, default):
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return ports.get(value, default)


def read_manifest(repo):
    docs, source = _load_docs(repo)
    m = {"source": source, "namespace": "default", "service": "peermesh-peers", "publishNotReadyAddresses": True,
         "env": FALLBACK_ENV, "http_port": 8080, "peer_port": 5999, "ready_path": "/q/health/ready",
         "live_path": "/q/health/live", "started_path": "/q/health/started", "metrics_path": "/q/metrics",
         "replicas": None, "cpus": 1, "pod_labels": {}, "warnings": []}
    if docs is None:
        return m
    sts = next((d for d in docs if isinstance(d, dict) and d.get("kind") == "StatefulSet"), None)
    if sts is None:
        m["warnings"].append("no StatefulSet in the manifests; using the built-in env")
        return m
    spec = sts.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    containers = pod.get("containers") or []
    c = next((x for x in containers if x.get("name") == "peermesh"), containers[0] if containers else {})
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or [] if p.get("name")}
    m["namespace"] = (sts.get("metadata") or {}).get("namespace") or "default"
    m["replicas"] = spec.get("replicas")
    m["pod_labels"] = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    m["env"] = c.get("env") or []
    m["http_port"] = ports.get("http", 8080)
    cpu = str(((c.get("resources") or {}).get("limits") or {}).get("cpu") or "1")
    # A container limited to N CPUs sees ceil(N) processors (the JVM reads the cgroup quota).
    m["cpus"] = max(1, math.ceil(float(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)))
    m["peer_port"] = ports.get("peer", 5999)
    for probe, key in (("readinessProbe", "ready_path"), ("livenessProbe", "live_path"), ("startupProbe", "started_path")):
        get = (c.get(probe) or {}).get("httpGet")
        if get:
            m[key] = get.get("path", m[key])
            if _port(get.get("port"), ports, m["http_port"]) != m["http_port"]:
                m["warnings"].append("%s uses port %s, not the http port" % (probe, get.get("port")))
        else:
            m["warnings"].append("no %s httpGet in the StatefulSet" % probe)
    ann = ((spec.get("template") or {}).get("metadata") or {}).get("annotations") or {}
    m["metrics_path"] = ann.get("prometheus.io/path", m["metrics_path"])
    headless = [d for d in docs if d.get("kind") == "Service" and (d.get("spec") or {}).get("clusterIP") == "None"]
    svc = next((d for d in headless if (d.get("metadata") or {}).get("name") == spec.get("serviceName")),
               headless[0] if headless else None)
    if svc is None:
        m["warnings"].append("no headless Service (clusterIP: None) in the manifests")
        m["service"] = spec.get("serviceName") or m["service"]
    else:
        m["service"] = svc["metadata"]["name"]
        m["publishNotReadyAddresses"] = bool(svc["spec"].get("publishNotReadyAddresses"))
        if not m["publishNotReadyAddresses"]:
            m["warnings"].append("headless Service %s lacks publishNotReadyAddresses: true (the simulation's DNS "
                                 "lists every pod anyway, a real cluster would list only ready ones)" % m["service"])
    dns = next((e.get("value") for e in m["env"] if e.get("name") == "P2P_DISCOVERY_DNS"), None)
    if dns is None:
        m["warnings"].append("P2P_DISCOVERY_DNS is not set in the StatefulSet")
    elif str(dns).split(".")[0] != m["service"]:
        m["warnings"].append("P2P_DISCOVERY_DNS=%s does not name the headless Service %s" % (dns, m["service"]))
    return m


_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def _expand(value, defined):
    """Kubernetes' $(VAR) expansion: earlier variables only; $$ escapes; unknown refs stay."""
    return _REF.sub(lambda mo: "$" if mo.group(0) == "$$" else defined.get(mo.group(1), mo.group(0)), value)


def pod_env(m, name, ip):
    """(env pairs, notes) for one pod: the manifest's env resolved for it, then the sim's overrides."""
    defined = {}
    notes = []
    fields = {"status.podIP": ip, "status.podIPs": ip, "metadata.name": name, "metadata.namespace": m["namespace"],
              "status.hostIP": "10.213.0.1", "spec.nodeName": "sim-node", "spec.serviceAccountName": "peermesh"}
    # metadata.labels['<key>']: the downward API's one-label form (P2P_METADATA_VERSION reads the version label)
    for k, v in (m.get("pod_labels") or {}).items():
        fields["metadata.labels['%s']" % k] = str(v)
    for e in m["env"]:
        n = e.get("name")
        if "value" in e:
            defined[n] = _expand("" if e["value"] is None else str(e["value"]), defined)
        elif ((e.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath") in fields:
            defined[n] = fields[e["valueFrom"]["fieldRef"]["fieldPath"]]
        else:
            notes.append("%s: valueFrom %s not simulated, left unset" % (n, json.dumps(e.get("valueFrom"))))
    for n, v in SIM_OVERRIDES + [("QUARKUS_HTTP_PORT", str(m["http_port"]))]:
        defined[n] = v
    return defined, notes


def cmd_manifest(a):
    m = read_manifest(a.repo)
    with open(os.path.join(a.run, "manifest.json"), "w") as fh:
        json.dump(m, fh, indent=2)
    env, notes = pod_env(m, "peermesh-0", "10.213.0.10")
    print("manifests: %s" % m["source"])
    print("  headless Service %s.%s (publishNotReadyAddresses: %s); probes %s %s %s on port %s; metrics %s"
          % (m["service"], m["namespace"], m["publishNotReadyAddresses"], m["started_path"], m["live_path"],
             m["ready_path"], m["http_port"], m["metrics_path"]))
    manifest_values = {e.get("name"): e.get("value") for e in m["env"]}
    shown = []
    for n, v in env.items():
        was = manifest_values.get(n)
        override = [o for o in SIM_OVERRIDES if o[0] == n]
        shown.append("%s=%s%s" % (n, v, " (sim; manifest %s)" % was if override and was is not None and str(was) != v
                                  else " (sim)" if n == "QUARKUS_HTTP_PORT" or (override and was is None) else ""))
    print("  env of peermesh-0: " + ", ".join(shown))
    for n in notes + m["warnings"]:
        print("  note: " + n)


def cmd_podenv(a):
    with open(os.path.join(a.run, "manifest.json")) as fh:
        m = json.load(fh)
    env, _ = pod_env(m, a.name, a.ip)
    sys.stdout.write("".join("%s=%s\0" % kv for kv in env.items()))


def cmd_get(a):
    """One value of manifest.json, for the shell."""
    with open(os.path.join(a.run, "manifest.json")) as fh:
        print(json.load(fh)[a.key])


# ------------------------------------------------------------------------------------------- rules

_DUR = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(d):
    total = 0.0
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", str(d)):
        total += float(num) * _UNIT[unit]
    return total


def cmd_rules(a):
    src = os.path.join(k8s_dir(a.repo), "monitoring", "peermesh-alerts.rules.yml")
    label = "k8s/monitoring/peermesh-alerts.rules.yml"
    if not os.path.exists(src):
        src = os.path.join(HERE, "fallback-alerts.rules.yml")
        label = "src/test/sim/fallback-alerts.rules.yml (k8s/monitoring/peermesh-alerts.rules.yml not found)"
    with open(src) as fh:
        doc = yamlmini.load(fh.read())
    changes = []
    names = []
    range_re = re.compile(r"\[(\d+(?:ms|s|m|h|d|w|y))(:(\d+(?:ms|s|m|h|d|w|y))?)?\]")
    for g in doc.get("groups", []):
        if "interval" in g:
            changes.append("group %s: interval %s -> 1s" % (g.get("name"), g["interval"]))
            g["interval"] = "1s"
        for r in g.get("rules", []):
            if "alert" not in r:
                continue
            names.append(r["alert"])
            if "for" in r and seconds(r["for"]) > seconds(a.for_):
                changes.append("%s: for %s -> %s" % (r["alert"], r["for"], a.for_))
                r["for"] = a.for_
            expr = str(r["expr"])

            def shorter(mo):
                if seconds(mo.group(1)) <= seconds(a.range):
                    return mo.group(0)
                return "[" + a.range + (mo.group(2) or "") + "]"
            new = range_re.sub(shorter, expr)
            if new != expr:
                found = sorted(set(x[0] for x in range_re.findall(expr)))
                changes.append("%s: range %s -> [%s]" % (r["alert"], ",".join("[%s]" % f for f in found), a.range))
                r["expr"] = new
    with open(a.out, "w") as fh:
        json.dump(doc, fh, indent=2)  # JSON is YAML: Prometheus reads it as a rule file
    print("alert rules: %s" % label)
    print("  time compressed for the simulation: " + ("; ".join(changes) if changes else "nothing to change"))
    missing = [n for n in EXPECTED_ALERTS if n not in names]
    extra = [n for n in names if n not in EXPECTED_ALERTS]
    if missing:
        print("  note: rules lack %s: their checks will fail" % ", ".join(missing))
    if extra:
        print("  note: further alerts loaded, checked only for staying quiet: %s" % ", ".join(extra))


# --------------------------------------------------------------------------------------- dashboard

BUILTIN_PANELS = [
    ("Nodes up", 'count(p2p_ready{namespace=~"$namespace"})'),
    ("Nodes ready", 'sum(p2p_ready{namespace=~"$namespace"})'),
    ("Peers per node", 'sum by (pod) (p2p_peers{namespace=~"$namespace", pod=~"$pod"})'),
    ("Handshakes by result", 'sum by (result) (rate(p2p_handshakes_total{pod=~"$pod"}[$__rate_interval]))'),
    ("Dials by result", 'sum by (result) (rate(p2p_dials_total{pod=~"$pod"}[$__rate_interval]))'),
    ("Discovery lookups", 'sum by (result) (rate(p2p_discovery_lookups_total{pod=~"$pod"}[$__rate_interval]))'),
    ("Discovered addresses", 'p2p_discovery_addresses{pod=~"$pod"}'),
    ("Ping RTT p99", 'histogram_quantile(0.99, sum by (pod, le) (rate(p2p_ping_rtt_seconds_bucket{pod=~"$pod"}[$__rate_interval])))'),
    ("Messages in", 'sum by (msgtype) (rate(p2p_messages_received_total{pod=~"$pod"}[$__rate_interval]))'),
    ("Peer timeouts", 'sum by (pod) (increase(p2p_peer_timeouts_total{pod=~"$pod"}[$__range]))'),
    ("Protocol errors", 'sum by (reason) (rate(p2p_protocol_errors_total{pod=~"$pod"}[$__rate_interval]))'),
    ("Known addresses", 'p2p_known_addresses{pod=~"$pod"}'),
]


def _walk_panels(panels):
    for p in panels or []:
        yield p
        yield from _walk_panels(p.get("panels"))


def substitute(expr, variables, range_):
    """Grafana's variables made concrete: intervals fixed, template variables match everything."""
    out = expr.replace("$__rate_interval", "30s").replace("${__rate_interval}", "30s")
    out = out.replace("$__interval_ms", "5000").replace("$__interval", "5s").replace("${__interval}", "5s")
    out = out.replace("$__range_s", str(int(seconds(range_)))).replace("${__range}", range_).replace("$__range", range_)
    for v in sorted(variables, key=len, reverse=True):
        ref = r"(?:\$\{%s(?::[a-z]+)?\}|\$%s\b|\[\[%s\]\])" % (v, v, v)
        out = re.sub(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|=|!=|!~)\s*"%s"' % ref,
                     lambda mo: mo.group(1) + ("!~" if mo.group(2) in ("!=", "!~") else "=~") + '".*"', out)
        out = re.sub(ref, ".*", out)
    return out


def cmd_dashboard(a):
    files = sorted(glob.glob(os.path.join(k8s_dir(a.repo), "**", "*.json"), recursive=True))
    dash = None
    for f in files:
        try:
            with open(f) as fh:
                d = json.load(fh)
        except (OSError, ValueError):
            continue
        d = d.get("dashboard", d)
        if isinstance(d, dict) and d.get("panels"):
            dash, label = d, os.path.relpath(f, a.repo) if f.startswith(a.repo + os.sep) else f
            break
    queries = []
    if dash is None:
        label = "built-in queries (no Grafana dashboard JSON under k8s/)"
        variables = ["namespace", "pod"]
        panels = [{"title": t, "targets": [{"expr": e, "refId": "A"}]} for t, e in BUILTIN_PANELS]
    else:
        variables = [v["name"] for v in (dash.get("templating") or {}).get("list", []) if v.get("name")]
        panels = list(_walk_panels(dash["panels"]))
    for p in panels:
        for t in p.get("targets") or []:
            if t.get("expr") and not t.get("hide"):
                queries.append({"panel": p.get("title", "?"), "refId": t.get("refId", "?"), "raw": t["expr"],
                                "expr": substitute(t["expr"], variables, a.range)})
    with open(a.out, "w") as fh:
        json.dump(queries, fh, indent=2)
    print("dashboard: %s: %d queries; $__rate_interval=30s, $__range=%s, variables %s -> .*"
          % (label, len(queries), a.range, ", ".join("$" + v for v in variables) or "none"))


# -------------------------------------------------------------------------------------------- HTTP

def _manifest():
    with open(os.path.join(os.environ["SIM_RUN"], "manifest.json")) as fh:
        return json.load(fh)


def http_json(url, timeout=1.0):
    """(status, body as JSON or None); status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        body = e.read()
        status = e.code
    except (OSError, ValueError):
        return 0, None
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode("utf-8", "replace")


def http_text(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return None


class Pods:
    def __init__(self, specs):
        self.m = _manifest()
        self.pods = []
        for s in specs:
            name, ip = s.split("=", 1)
            self.pods.append((name, ip))
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(self.pods)))

    def url(self, ip, path):
        return "http://%s:%s%s" % (ip, self.m["http_port"], path)

    def each(self, fn):
        """fn(name, ip) for every pod in parallel; {name: result}."""
        futures = {n: self.pool.submit(fn, n, ip) for n, ip in self.pods}
        return {n: f.result() for n, f in futures.items()}

    def health(self, kind):
        path = self.m[kind + "_path"]
        return self.each(lambda n, ip: http_json(self.url(ip, path)))

    def ready(self):
        return {n: s == 200 and isinstance(b, dict) and b.get("status") == "UP" for n, (s, b) in self.health("ready").items()}

    def metric(self, name, match=None):
        """{name: sum of the metric's series whose labels contain `match` (all when None), or None}."""
        pat = re.compile(r"^%s(\{[^}]*\})?\s+([0-9.eE+-]+|NaN)" % re.escape(name), re.M)

        def one(n, ip):
            t = http_text(self.url(ip, self.m["metrics_path"]))
            return None if t is None else sum(float(v) for lab, v in pat.findall(t) if not match or match in lab)
        return self.each(one)

    def state(self):
        """{name: (node id or None, [peer node ids] or None)}."""
        def one(n, ip):
            s, node = http_json(self.url(ip, "/node"))
            s2, peers = http_json(self.url(ip, "/peers"))
            return (node.get("nodeid") if s == 200 and isinstance(node, dict) else None,
                    [p.get("nodeid") for p in peers] if s2 == 200 and isinstance(peers, list) else None)
        return self.each(one)


def poll(deadline_s, check, interval=0.25):
    """Calls check() until it returns (True, info) or the deadline passes; returns (ok, info, seconds)."""
    t0 = time.time()
    while True:
        ok, info = check()
        if ok:
            return True, info, time.time() - t0
        if time.time() - t0 >= deadline_s:
            return False, info, time.time() - t0
        time.sleep(interval)


def done(ok, elapsed, msg):
    """The last line, read by cluster.sh: ok|FAILED, seconds waited, what was seen."""
    print("%s %.1f %s" % ("ok" if ok else "FAILED", elapsed, msg))
    sys.exit(0 if ok else 1)


def cmd_wait_ready(a):
    pods = Pods(a.pods)
    want = not a.down

    def check():
        r = pods.ready()
        wrong = [n for n, v in r.items() if v != want]
        return not wrong, wrong

    ok, wrong, el = poll(a.deadline, check)
    detail = ""
    if not ok:
        h = pods.health("ready")
        detail = "; ".join("%s: %s" % (n, json.dumps(h[n][1])[:300]) for n in wrong)
    done(ok, el, ("all %s" % ("not ready" if a.down else "ready")) if ok else
         "%s still %s: %s" % (",".join(wrong), "ready" if a.down else "not ready", detail))


def cmd_health(a):
    """Every pod answers UP on the given probe path (live or started), now."""
    pods = Pods(a.pods)
    h = pods.health(a.kind)
    bad = {n: b for n, (s, b) in h.items() if not (s == 200 and isinstance(b, dict) and b.get("status") == "UP")}
    done(not bad, 0, "%s UP on all" % a.kind if not bad else "%s not UP: %s" % (a.kind, json.dumps(bad)[:400]))


def cmd_nodeid(a):
    pods = Pods(a.pods)
    ok, info, el = poll(a.deadline, lambda: (lambda s: (all(v[0] for v in s.values()), s))(pods.state()))
    for n, (nid, _) in info.items():
        print("%s %s" % (n, nid or "-"))
    sys.exit(0 if ok else 1)


def cmd_mesh(a):
    """Every pod's /peers lists exactly the other pods' node ids: none missing, none extra, no duplicate."""
    pods = Pods(a.pods)
    dead = set(x for x in (a.dead or "").split(",") if x)

    def check():
        st = pods.state()
        ids = {n: v[0] for n, v in st.items()}
        name_of = {v: n for n, v in ids.items() if v}
        problems = []
        for n, (nid, peers) in st.items():
            if nid is None or peers is None:
                problems.append("%s: no answer" % n)
                continue
            expected = set(v for k, v in ids.items() if k != n and v)
            got = set(peers)
            if len(peers) != len(got):
                problems.append("%s: duplicate peers" % n)
            missing = expected - got
            extra = got - expected
            if missing:
                problems.append("%s misses %s" % (n, ",".join(sorted(name_of.get(x, x) for x in missing))))
            for x in extra:
                problems.append("%s lists %s %s" % (n, "OLD node id" if x in dead else "unknown node id", x))
        return not problems, problems

    ok, problems, el = poll(a.deadline, check)
    done(ok, el, "full mesh of %d pods, exact node ids" % len(pods.pods) if ok else "; ".join(problems)[:1500])


def cmd_dropped(a):
    """No pod lists node id `id` any more (and, with --addr, none still dials that address)."""
    pods = Pods(a.pods)

    def check():
        st = pods.state()
        still = [n for n, (_, peers) in st.items() if peers is None or a.id in peers]
        if a.addr:
            def targets(n, ip):
                s, t = http_json(pods.url(ip, "/node/targets"))
                return [x for x in t if x.get("address") == a.addr] if s == 200 and isinstance(t, list) else None
            tg = pods.each(targets)
            still += ["%s dials %s (%s)" % (n, a.addr, "no answer" if t is None else
                      "state %s, source %s, failures %s" % (t[0].get("state"), t[0].get("source"), t[0].get("failures")))
                      for n, t in tg.items() if t is None or t]
        return not still, still

    ok, still, el = poll(a.deadline, check)
    done(ok, el, "dropped by all" if ok else "still listed by: " + ", ".join(still))


def cmd_connected_since(a):
    """JSON {pod: connectedSince of node `id` in its /peers} (null when absent)."""
    pods = Pods(a.pods)

    def one(n, ip):
        s, peers = http_json(pods.url(ip, "/peers"))
        if s != 200 or not isinstance(peers, list):
            return None
        return next((p.get("connectedSince") for p in peers if p.get("nodeid") == a.id), None)
    print(json.dumps(pods.each(one), sort_keys=True))


def cmd_metric_sum(a):
    """Sum of every series of a metric (with --match, of those whose labels contain it) over the pods'
    /q/metrics; --per-pod prints {pod: value} instead. A pod that does not answer fails."""
    got = Pods(a.pods).metric(a.name, a.match)
    if any(v is None for v in got.values()):
        print("FAILED no metrics from " + ",".join(n for n, v in got.items() if v is None))
        sys.exit(1)
    print(json.dumps(got, sort_keys=True) if a.per_pod else "%g" % sum(got.values()))


def cmd_metric_rise(a):
    """Waits until, on every pod, the metric (series matching --match) exceeds its value in --base
    (a --per-pod answer of metric-sum; a pod missing there counts from 0)."""
    pods = Pods(a.pods)
    base = json.loads(a.base) if a.base else {}

    def check():
        got = pods.metric(a.name, a.match)
        flat = [n for n, v in got.items() if v is None or v <= (base.get(n) or 0)]
        return not flat, (flat, got)

    ok, (flat, got), el = poll(a.deadline, check, interval=0.5)
    shown = ", ".join("%s %g->%s" % (n, base.get(n) or 0, "?" if got[n] is None else "%g" % got[n]) for n in sorted(got))
    done(ok, el, "%s{%s} rose on every pod (%s)" % (a.name, a.match, shown) if ok else
         "%s{%s} did not rise on %s (%s)" % (a.name, a.match, ",".join(flat), shown))


def cmd_metric_rate(a):
    """JSON {pod: increase per second} of a metric (series matching --match) over --window seconds,
    divided by --per (e.g. the number of peers). The window is a measuring interval, not a wait."""
    pods = Pods(a.pods)
    t0, first = time.time(), pods.metric(a.name, a.match)
    time.sleep(a.window)
    t1, second = time.time(), pods.metric(a.name, a.match)
    print(json.dumps({n: None if first[n] is None or second[n] is None else
                      round((second[n] - first[n]) / (t1 - t0) / a.per, 3) for n in first}, sort_keys=True))


def cmd_links(a):
    """JSON {pod: {peer node id: connectedSince}}: equal before and after a fault means that no
    connection anywhere was dropped or replaced in between. --ignore: node ids left out."""
    pods = Pods(a.pods)
    ignore = set(a.ignore.split(","))

    def one(n, ip):
        s, peers = http_json(pods.url(ip, "/peers"))
        return {p.get("nodeid"): p.get("connectedSince") for p in peers
                if p.get("nodeid") not in ignore} if s == 200 and isinstance(peers, list) else None
    print(json.dumps(pods.each(one), sort_keys=True))


def cmd_fresh_pongs(a):
    """Waits until every connection of the pods (in both directions: each pod's /peers entries) has
    had a pong after --since (epoch seconds). From then on no ping sent before --since is still in
    flight anywhere, so a stall before --since can no longer cause a ping timeout."""
    pods = Pods(a.pods)

    def one(n, ip):
        s, peers = http_json(pods.url(ip, "/peers"))
        if s != 200 or not isinstance(peers, list):
            return ["no answer"]
        return ["%s..." % str(p.get("nodeid"))[:8] for p in peers
                if not p.get("lastPong") or _ts(p["lastPong"]) <= a.since]

    def check():
        stale = {n: v for n, v in pods.each(one).items() if v}
        return not stale, stale

    ok, stale, el = poll(a.deadline, check, interval=0.25)
    done(ok, el, "every connection answered a ping sent after the resume" if ok else
         "no pong since then: " + json.dumps(stale, sort_keys=True)[:800])


def cmd_ready_data(a):
    """Waits until every pod's readiness check (peermesh-peers) has --status and, for each --want
    KEY=PREFIX, a data value KEY starting with PREFIX (e.g. dns=failed, reason=DNS failing)."""
    pods = Pods(a.pods)
    wants = [w.split("=", 1) for w in a.want]

    def one(n, ip):
        s, body = http_json(pods.url(ip, pods.m["ready_path"]))
        checks = body.get("checks", []) if isinstance(body, dict) else []
        c = next((c for c in checks if c.get("name") == "peermesh-peers"), None)
        return None if c is None else (c.get("status"), c.get("data") or {})

    def check():
        got = pods.each(one)
        bad = {}
        for n, c in got.items():
            if c is None or (a.status and c[0] != a.status) or any(not str(c[1].get(k, "")).startswith(p) for k, p in wants):
                bad[n] = c and {"status": c[0], **{k: c[1].get(k) for k, _ in wants}}
        return not bad, (bad, got)

    ok, (bad, got), el = poll(a.deadline, check, interval=0.5)
    first = next(iter(got.values()))
    done(ok, el, "readiness %s with %s on all (e.g. %s)" % (a.status or "any", ", ".join(a.want),
         "; ".join("%s: %s" % (k, str(first[1].get(k))[:120]) for k, _ in wants) if first else "-")
         if ok else "not yet: " + json.dumps(bad)[:800])


def cmd_sampler(a):
    """Samples readiness of the pods until SIGTERM; one line per sample: time, ready, total, not ready."""
    pods = Pods(a.pods)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    with open(a.out, "w", buffering=1) as fh:
        while not stop:
            t = time.time()
            r = pods.ready()
            down = [n for n, v in r.items() if not v]
            fh.write("%.2f %d %d %s\n" % (t, len(r) - len(down), len(r), ",".join(down) or "-"))
            time.sleep(max(0.0, a.interval - (time.time() - t)))


def cmd_samples(a):
    rows = []
    with open(a.file) as fh:
        for line in fh:
            p = line.split()
            if len(p) == 4:
                rows.append((float(p[0]), int(p[1]), int(p[2]), p[3]))
    if not rows:
        done(False, 0, "no readiness samples")
    low = min(rows, key=lambda r: r[1])
    dips = [r for r in rows if r[1] < a.min]
    msg = "readiness sampled %d times: never fewer than %d of %d ready" % (len(rows), low[1], low[2])
    if dips:
        msg = "readiness sampled %d times: fewer than %d ready in %d samples, first at +%.1fs (not ready: %s)" % (
            len(rows), a.min, len(dips), dips[0][0] - rows[0][0], dips[0][3])
    done(not dips, rows[-1][0] - rows[0][0], msg)


# -------------------------------------------------------------------------------------- Prometheus

def prom(path, **params):
    url = os.environ["SIM_PROM"] + path + ("?" + urllib.parse.urlencode(params) if params else "")
    s, body = http_json(url, timeout=3.0)
    if s != 200 or not isinstance(body, dict) or body.get("status") != "success":
        return None
    return body["data"]


def _ts(s):
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$", s)
    base = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    tz = datetime.timezone.utc if m.group(3) == "Z" else datetime.timezone(
        datetime.timedelta(hours=int(m.group(3)[:3]), minutes=int(m.group(3)[4:])))
    return base.replace(tzinfo=tz).timestamp() + (float("0" + m.group(2)) if m.group(2) else 0.0)


def cmd_prom_ready(a):
    pods = [p.split("=", 1)[0] for p in a.pods]

    def check():
        up = prom("/api/v1/query", query='up{job="peermesh"} == 1') or {"result": []}
        upods = set(r["metric"].get("pod") for r in up["result"])
        rules = prom("/api/v1/rules") or {"groups": []}
        rs = [r for g in rules["groups"] for r in g["rules"]]
        bad = [r["name"] for r in rs if r.get("health") != "ok"]
        missing = [p for p in pods if p not in upods]
        problems = (["not scraped yet: " + ",".join(missing)] if missing else []) + \
                   (["rules unhealthy: " + ",".join(bad)] if bad else []) + (["no rules loaded"] if not rs else [])
        return not problems, problems or ["%d targets up, %d rules healthy" % (len(upods), len(rs))]

    ok, info, el = poll(a.deadline, check, interval=0.5)
    done(ok, el, "; ".join(info))


def _alerts():
    d = prom("/api/v1/alerts")
    return None if d is None else d.get("alerts", [])


def cmd_alert(a):
    """Waits until alert `name` fires (for a pod in --pod, if given; active since --since, if given)."""
    want = set(a.pod.split(",")) if a.pod else None

    def check():
        al = _alerts()
        if al is None:
            return False, "Prometheus did not answer"
        hits = [x for x in al if x["labels"].get("alertname") == a.name and x["state"] == "firing"
                and (want is None or x["labels"].get("pod") in want)
                and (a.since is None or _ts(x["activeAt"]) >= a.since - 1.0)]
        pods = sorted(set(x["labels"].get("pod", "?") for x in hits))
        if hits:
            return True, "%s firing for %s" % (a.name, ",".join(pods))
        states = sorted(set("%s %s (pod %s, active since %s)" % (x["labels"].get("alertname"), x["state"],
                            x["labels"].get("pod"), x["activeAt"]) for x in al))
        return False, "%s not firing%s; active: %s" % (a.name, " for " + a.pod if a.pod else "",
                                                       "; ".join(states)[:800] or "none")

    ok, info, el = poll(a.deadline, check, interval=0.5)
    done(ok, el, info)


def cmd_quiet(a):
    """No alert fires during --duration seconds (with --names, only those are checked)."""
    names = set(a.names.split(",")) if a.names else None
    t0 = time.time()
    seen_pending = set()
    while True:
        al = _alerts()
        if al is None:
            done(False, time.time() - t0, "Prometheus did not answer")
        rel = [x for x in al if names is None or x["labels"].get("alertname") in names]
        firing = ["%s(pod %s)" % (x["labels"].get("alertname"), x["labels"].get("pod")) for x in rel if x["state"] == "firing"]
        seen_pending.update("%s(pod %s)" % (x["labels"].get("alertname"), x["labels"].get("pod")) for x in rel
                            if x["state"] == "pending")
        if firing:
            done(False, time.time() - t0, "firing: " + ", ".join(sorted(firing)))
        if time.time() - t0 >= a.duration:
            done(True, time.time() - t0, "no alert fired in %.0fs%s" % (
                a.duration, "; pending at times: " + ", ".join(sorted(seen_pending)) if seen_pending else ""))
        time.sleep(0.5)


def cmd_clear(a):
    """Waits until no alert (of --names) is pending or firing; says which ones it waited for."""
    names = set(a.names.split(",")) if a.names else None
    seen = set()

    def check():
        al = _alerts()
        if al is None:
            return False, ["Prometheus did not answer"]
        act = ["%s %s (pod %s)" % (x["labels"].get("alertname"), x["state"], x["labels"].get("pod")) for x in al
               if names is None or x["labels"].get("alertname") in names]
        seen.update(a.rsplit(" (", 1)[0] for a in act)
        return not act, act

    ok, act, el = poll(a.deadline, check, interval=0.5)
    done(ok, el, ("no alert active" + (" (waited for: %s)" % ", ".join(sorted(seen)) if seen else "")) if ok
         else "still active: " + ", ".join(sorted(act))[:800])


def _has_data(d):
    if d is None:
        return False, "query failed"
    r = d.get("result")
    if d.get("resultType") == "scalar":
        return not math.isnan(float(r[1])), "scalar %s" % r[1]
    vals = [float(x["value"][1]) for x in r] if d.get("resultType") == "vector" else \
        [float(v[1]) for x in r for v in x["values"]]
    finite = [v for v in vals if not math.isnan(v)]
    return bool(finite), "%d series%s" % (len(r), "" if finite else (" (all NaN)" if vals else ""))


def cmd_dashcheck(a):
    with open(a.queries) as fh:
        queries = json.load(fh)
    bad = []
    for q in queries:
        d = prom("/api/v1/query", query=q["expr"])
        ok, info = _has_data(d)
        print("    %-4s %-34s %-3s %s" % ("ok" if ok else "NONE", q["panel"][:34], q["refId"], info))
        if not ok:
            bad.append("%s/%s: %s -> %s" % (q["panel"], q["refId"], q["expr"], info))
    if not queries:
        bad.append("no queries")
    done(not bad, 0, "%d of %d panel queries return data" % (len(queries) - len(bad), len(queries))
         + ("; none from: " + " | ".join(bad) if bad else ""))


# ---------------------------------------------------------------------------------------------- CLI

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, *args):
        s = sub.add_parser(name)
        s.set_defaults(fn=fn)
        for a in args:
            s.add_argument(*a[0], **a[1])
        return s

    repo = (["--repo"], {"required": True})
    run = (["--run"], {"required": True})
    pods = (["pods"], {"nargs": "*", "help": "name=ip"})
    deadline = (["--deadline"], {"type": float, "default": 30.0})
    add("manifest", cmd_manifest, repo, run)
    add("podenv", cmd_podenv, run, (["--name"], {"required": True}), (["--ip"], {"required": True}))
    add("get", cmd_get, run, (["key"], {}))
    add("rules", cmd_rules, repo, (["--out"], {"required": True}), (["--for"], {"dest": "for_", "default": "3s"}),
        (["--range"], {"default": "20s"}))
    add("dashboard", cmd_dashboard, repo, (["--out"], {"required": True}), (["--range"], {"default": "10m"}))
    add("wait-ready", cmd_wait_ready, pods, deadline, (["--down"], {"action": "store_true"}))
    add("health", cmd_health, pods, (["--kind"], {"choices": ["live", "started", "ready"], "required": True}))
    add("nodeid", cmd_nodeid, pods, deadline)
    add("mesh", cmd_mesh, pods, deadline, (["--dead"], {"default": ""}))
    add("dropped", cmd_dropped, pods, deadline, (["--id"], {"required": True}), (["--addr"], {"default": None}))
    add("connected-since", cmd_connected_since, pods, (["--id"], {"required": True}))
    add("metric-sum", cmd_metric_sum, pods, (["--name"], {"required": True}), (["--match"], {"default": None}),
        (["--per-pod"], {"action": "store_true"}))
    add("metric-rise", cmd_metric_rise, pods, deadline, (["--name"], {"required": True}), (["--match"], {"default": None}),
        (["--base"], {"default": ""}))
    add("metric-rate", cmd_metric_rate, pods, (["--name"], {"required": True}), (["--match"], {"default": None}),
        (["--window"], {"type": float, "default": 10.0}), (["--per"], {"type": float, "default": 1.0}))
    add("links", cmd_links, pods, (["--ignore"], {"default": ""}))
    add("fresh-pongs", cmd_fresh_pongs, pods, deadline, (["--since"], {"type": float, "required": True}))
    add("ready-data", cmd_ready_data, pods, deadline, (["--status"], {"choices": ["UP", "DOWN"], "default": None}),
        (["--want"], {"action": "append", "default": []}))
    add("sampler", cmd_sampler, pods, (["--out"], {"required": True}), (["--interval"], {"type": float, "default": 0.25}))
    add("samples", cmd_samples, (["file"], {}), (["--min"], {"type": int, "required": True}))
    add("prom-ready", cmd_prom_ready, pods, deadline)
    add("alert", cmd_alert, deadline, (["--name"], {"required": True}), (["--pod"], {"default": None}),
        (["--since"], {"type": float, "default": None}))
    add("quiet", cmd_quiet, (["--duration"], {"type": float, "required": True}), (["--names"], {"default": None}))
    add("clear", cmd_clear, deadline, (["--names"], {"default": None}))
    add("dashcheck", cmd_dashcheck, (["--queries"], {"required": True}))
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
