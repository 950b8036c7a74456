#!/usr/bin/env bash
# A simulated Kubernetes cluster made of real parts: every pod is a network namespace with its own
# IP on a bridge, running the real jar with the StatefulSet's environment; a real dnsmasq serves the
# headless Service; a real Prometheus scrapes every pod and evaluates the alert rules. Then it
# breaks things the way a cluster does and checks, with deadlines, that the mesh copes.
# See src/test/sim/README.md. Run as root: bash src/test/sim/cluster.sh
#
# Settings (environment): SIM_PODS (5, 3..8), SIM_TIMEOUT (690 s, the whole run),
# SIM_PROM_PORT (19090, Prometheus on 127.0.0.1), SIM_KEEP_RUNS (5 run directories kept),
# SIM_K8S_DIR (manifests, default k8s/), SIM_KUBECTL (none: do as if kubectl were missing).
# Traffic goes only to loopback and to 10.213.0.0/24 inside namespaces this script creates.
set -uo pipefail

SIM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SIM_DIR/../../.." && pwd)
JAR=$REPO/target/quarkus-app/quarkus-run.jar
PODS=${SIM_PODS:-5}
TIMEOUT=${SIM_TIMEOUT:-690}
PROM_PORT=${SIM_PROM_PORT:-19090}
NET=10.213.0
BR=pm-br0
DNS_NS=pm-dns
DNS_IP=$NET.2
HOST_IP=$NET.1
RULE_PREF=21300                       # policy rule keeping pod traffic inside the bridge
# Partition: every pod address (.8-.255) prohibited, host (.1) and DNS (.2) still reachable.
PARTITION_ROUTES=($NET.8/29 $NET.16/28 $NET.32/27 $NET.64/26 $NET.128/25)
# Light JVMs: 5-8 of them share 2 cores. The processor count is the container's CPU limit (below).
JAVA_OPTS=(-Xmx128m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1
           -Djava.util.logging.manager=org.jboss.logmanager.LogManager)

log() { printf '[%6.1fs] %s\n' "$(elapsed "$T_START")" "$*"; }
die() { echo "cluster.sh: $*" >&2; exit 2; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ------------------------------------------------------------------------------------ preflight
[ "$(id -u)" = 0 ] || die "run as root (network namespaces, a bridge, ip netns exec)"
[[ "$PODS" =~ ^[0-9]+$ ]] && [ "$PODS" -ge 3 ] && [ "$PODS" -le 8 ] || die "SIM_PODS must be 3..8 (the scaling scenario adds 3 more JVMs)"
need=()
command -v ip >/dev/null || need+=(iproute2)
command -v curl >/dev/null || need+=(curl)
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
command -v prometheus >/dev/null || need+=(prometheus)
if [ ${#need[@]} -gt 0 ]; then
  if [ "${CI:-}" = true ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
      || die "could not install ${need[*]}"
  else
    die "missing packages: apt-get update && apt-get install ${need[*]}"
  fi
fi
command -v java >/dev/null || die "java (17) is needed"
command -v python3 >/dev/null || die "python3 is needed"
mkdir -p /run/lock
exec 9>/run/lock/peermesh-sim.lock
flock -n 9 || die "another cluster.sh run holds /run/lock/peermesh-sim.lock"

# Leftovers of a run that could not clean up (killed -9): namespaces without processes are ours to
# remove; with processes still inside, stop rather than guess whose they are.
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^pm-(pod-[0-9]+|dns)$/ { print $1 }'); do
  [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || die "namespace $ns from an earlier run still has processes ($(ip netns pids "$ns" | tr '\n' ' ')); stop them, then: ip netns del $ns"
  ip netns del "$ns"
done
for l in $(ip -br link 2>/dev/null | awk '{ sub(/@.*/, "", $1) } $1 ~ /^(pm-veth[0-9]+|pm-vdns|pm-br0)$/ { print $1 }'); do
  ip link del "$l"
done
ip rule del pref $RULE_PREF 2>/dev/null
python3 - "$PROM_PORT" <<'EOF' || die "127.0.0.1:$PROM_PORT is taken: set SIM_PROM_PORT"
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.close()
EOF

if [ ! -f "$JAR" ]; then
  echo "building $JAR"
  # -Dmaven.test.skip: the simulation needs only the application (tests are not even compiled).
  (cd "$REPO" && ./mvnw -B -q package -Dmaven.test.skip=true) || die "build failed"
fi

mkdir -p "$REPO/target/sim"
RUN=$REPO/target/sim/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$RUN/pods" "$RUN/dns/hosts.d" "$RUN/prometheus" "$RUN/samples"
ls -1d "$REPO"/target/sim/run-* 2>/dev/null | head -n -"${SIM_KEEP_RUNS:-5}" | xargs -r rm -rf
export SIM_RUN=$RUN SIM_PROM=http://127.0.0.1:$PROM_PORT
SIMPY=(python3 "$SIM_DIR/sim.py")
py() { "${SIMPY[@]}" "$@"; }

# --------------------------------------------------------------------------- state and cleanup
declare -A POD_IP POD_PID POD_ID POD_GEN NS_MADE
LIVE=()         # pods whose process runs (or is paused): Prometheus targets, like a pod in the API
DNS_PODS=()     # pods the headless Service lists
HELPERS=()      # our background helpers (sampler, throttle loop)
DNSMASQ_PID= PROM_PID= WATCHDOG_PID= CHILD=
T_START=$EPOCHREALTIME
R_NAME=() R_RES=() R_SECS=() R_DETAIL=()
CLEANED=

# A process is identified by PID and start time (bash reaps children by itself, so a PID alone
# could be reused by someone else's process by the time we signal it).
declare -A STARTED_AT
proc_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $20 }'; }
track() { STARTED_AT[$1]=$(proc_start "$1"); }
ours() { [ -n "$1" ] && [ -n "${STARTED_AT[$1]:-}" ] && [ "$(proc_start "$1")" = "${STARTED_AT[$1]}" ]; }
exited() { ! ours "$1" || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $1 }')" = Z ]; }
signal() { ours "$2" && kill -"$1" "$2" 2>/dev/null; return 0; }
stop_pid() { # pid [grace seconds]: TERM, then KILL after the grace period
  local pid=$1 grace=${2:-5} i
  ours "$pid" || return 0
  kill -CONT "$pid" 2>/dev/null; kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < grace * 10; i++)); do
    exited "$pid" && break
    sleep 0.1
  done
  exited "$pid" || kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

SUMMARY_DONE= SUMMARY_FAIL=1
summary() { # the table of scenarios (also from the EXIT trap, when a run is cut short)
  local i
  SUMMARY_DONE=1
  echo
  echo "scenario                                              result   seconds"
  echo "----------------------------------------------------- ------ ---------"
  SUMMARY_FAIL=0
  for i in "${!R_NAME[@]}"; do
    printf '%-53s %-6s %9s\n' "${R_NAME[$i]}" "${R_RES[$i]}" "${R_SECS[$i]}"
    [ "${R_RES[$i]}" = PASS ] || SUMMARY_FAIL=1
  done
  [ ${#R_NAME[@]} -gt 0 ] || SUMMARY_FAIL=1
  echo "total $(elapsed "$T_START")s; alert rules time-compressed (see above); logs in ${RUN#$REPO/}"
  # What the nodes logged beyond INFO, counted by kind (the evidence behind WARN notes and findings).
  echo "pod logs, lines above INFO by kind:"
  cat "$RUN"/pods/*.log 2>/dev/null | grep -E '^[0-9:.]+ (WARN|WARNING|ERROR|SEVERE) ' \
    | sed -E 's/^[0-9:.]+ ([A-Z]+) +\[([^]]*)\] /\1 [\2] /; s/[0-9a-f]{8}-[0-9a-f-]{27}/<id>/g; s/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(:[0-9]+)?/<addr>/g; s/0x[0-9a-f]+/<ch>/g' \
    | cut -c1-150 | sort | uniq -c | sort -rn | head -12 | sed 's/^/  /'
}

cleanup() {
  local rc=$?
  [ -n "$CLEANED" ] && return
  CLEANED=1
  trap - EXIT INT TERM
  if [ -z "$SUMMARY_DONE" ] && [ ${#R_NAME[@]} -gt 0 ]; then
    R_NAME+=("(run cut short: the rest did not run)") R_RES+=(FAIL) R_SECS+=("$(elapsed "$T_START")")
    summary
  fi
  signal TERM "$CHILD"
  signal TERM "$WATCHDOG_PID"
  local p
  for p in "${HELPERS[@]}"; do signal TERM "$p"; done
  for p in "${!POD_PID[@]}"; do signal CONT "${POD_PID[$p]}"; signal TERM "${POD_PID[$p]}"; done
  for p in "${!POD_PID[@]}"; do stop_pid "${POD_PID[$p]}" 10; done
  stop_pid "$PROM_PID" 10
  stop_pid "$DNSMASQ_PID" 5
  for p in "${!NS_MADE[@]}"; do ns_drop "$p"; done
  rmdir /etc/netns 2>/dev/null
  ip link del "$BR" 2>/dev/null
  ip rule del pref $RULE_PREF 2>/dev/null
  echo "cleaned up: pods, dnsmasq, prometheus, namespaces, $BR (logs in ${RUN#$REPO/})"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT
trap 'echo "terminated (global timeout of ${TIMEOUT}s, or a signal)"; exit 124' TERM
# The global deadline: the whole run, cleanup included, ends in bounded time.
( sleep "$TIMEOUT" & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s; kill -TERM $$ ) 9>&- &
WATCHDOG_PID=$!
track "$WATCHDOG_PID"

# --------------------------------------------------------------------------------------- network
net_up() {
  ip link add "$BR" type bridge || die "cannot create bridge $BR"
  ip addr add "$HOST_IP/24" dev "$BR"
  ip link set "$BR" up
  # Anything a pod sends beyond the bridge (its default route points at the host) is refused
  # here, whatever ip_forward says: the simulation's traffic never leaves 10.213.0.0/24.
  ip rule add pref $RULE_PREF iif "$BR" unreachable
  ns_make "$DNS_NS" "$DNS_IP" pm-vdns
}

ns_make() { # namespace ip host-side-veth
  local ns=$1 ip=$2 veth=$3
  ip link del "$veth" 2>/dev/null   # left by a namespace that outlived its name (see ns_drop)
  ip netns add "$ns" || return 1
  NS_MADE[$ns]=$veth
  ip link add "$veth" type veth peer name eth0 netns "$ns" || return 1
  ip link set "$veth" master "$BR" up
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$ip/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$HOST_IP"
  mkdir -p "/etc/netns/$ns"
  # A pod's resolv.conf; `ip netns exec` bind-mounts it over /etc/resolv.conf.
  printf 'search %s.svc.cluster.local svc.cluster.local cluster.local\nnameserver %s\noptions ndots:5\n' \
    "$NAMESPACE" "$DNS_IP" >"/etc/netns/$ns/resolv.conf"
}

# The host end of the veth is deleted explicitly: a namespace whose name is gone lives on while
# orphaned TCP sockets of its dead process still retransmit (minutes, towards a lost peer), and
# with it the veth pair, whose name the next pod with that ordinal needs.
ns_drop() { ip link del "${NS_MADE[$1]}" 2>/dev/null; ip netns del "$1" 2>/dev/null; rm -rf "/etc/netns/$1"; unset "NS_MADE[$1]"; }

# ------------------------------------------------------------------------------------ DNS, targets
dns_sync() { # the headless Service's records: one A record per listed pod
  local p f=$RUN/dns/hosts.tmp
  : >"$f"
  for p in "${DNS_PODS[@]}"; do
    printf '%s %s\n%s %s.%s\n' "${POD_IP[$p]}" "$SVC_FQDN" "${POD_IP[$p]}" "$p" "$SVC_FQDN" >>"$f"
  done
  mv -f "$f" "$RUN/dns/hosts.d/peers"   # written aside, then moved in: dnsmasq never reads half a file
}
dns_add() { DNS_PODS+=("$@"); dns_sync; }
dns_remove() { local p q keep=(); for p in "${DNS_PODS[@]}"; do for q in "$@"; do [ "$p" = "$q" ] && continue 2; done; keep+=("$p"); done; DNS_PODS=("${keep[@]}"); dns_sync; }

prom_sync() { # what a Kubernetes service discovery would give Prometheus: every pod that exists
  local p sep="" f=$RUN/prometheus/targets.tmp
  {
    echo "["
    for p in "${LIVE[@]}"; do
      printf '%s{"targets":["%s:%s"],"labels":{"namespace":"%s","pod":"%s"}}\n' "$sep" "${POD_IP[$p]}" "$HTTP_PORT" "$NAMESPACE" "$p"
      sep=","
    done
    echo "]"
  } >"$f"
  mv -f "$f" "$RUN/prometheus/targets.json"
}

start_dnsmasq() {
  dns_sync
  ip netns exec "$DNS_NS" /usr/sbin/dnsmasq --keep-in-foreground --listen-address="$DNS_IP" --bind-interfaces \
    --port=53 --no-resolv --no-hosts --local=/#/ --local-ttl=0 --hostsdir="$RUN/dns/hosts.d" \
    --user=root --group=root --pid-file= --log-facility="$RUN/dns/dnsmasq.log" >"$RUN/dns/stdout.log" 2>&1 9>&- &
  DNSMASQ_PID=$!
  track $DNSMASQ_PID
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q started "$RUN/dns/dnsmasq.log" 2>/dev/null && return 0
    exited "$DNSMASQ_PID" && break
    sleep 0.1
  done
  die "dnsmasq did not start: $(cat "$RUN/dns/stdout.log" "$RUN/dns/dnsmasq.log" 2>/dev/null)"
}

start_prometheus() {
  py rules --repo "$REPO" --out "$RUN/prometheus/rules.json" || die "cannot prepare the alert rules"
  promtool check rules "$RUN/prometheus/rules.json" >"$RUN/prometheus/promtool.log" 2>&1 \
    || die "promtool rejects the rules: $(cat "$RUN/prometheus/promtool.log")"
  prom_sync
  cat >"$RUN/prometheus/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $RUN/prometheus/rules.json
scrape_configs:
  - job_name: peermesh
    metrics_path: $METRICS_PATH
    file_sd_configs:
      - files: [$RUN/prometheus/targets.json]
        refresh_interval: 2s
EOF
  prometheus --config.file="$RUN/prometheus/prometheus.yml" --storage.tsdb.path="$RUN/prometheus/data" \
    --storage.tsdb.retention.time=1h --web.listen-address="127.0.0.1:$PROM_PORT" \
    --log.level=warn >"$RUN/prometheus/prometheus.log" 2>&1 9>&- &
  PROM_PID=$!
  track $PROM_PID
  local i
  for ((i = 0; i < 150; i++)); do
    curl -fsS -m 1 "$SIM_PROM/-/ready" >/dev/null 2>&1 && return 0
    exited "$PROM_PID" && break
    sleep 0.2
  done
  die "prometheus did not start: $(tail -5 "$RUN/prometheus/prometheus.log")"
}

# ------------------------------------------------------------------------------------------- pods
pod_create() { # name ip: a pod sandbox (namespace) and its container (the jar)
  local p=$1
  POD_IP[$p]=$2
  ns_make "pm-pod-${p##*-}" "$2" "pm-veth${p##*-}" || { echo "cannot create the namespace of $p"; return 1; }
  pod_start "$p"
}

pod_start() { # (re)starts the container of pod $1 in its existing namespace
  local p=$1 env
  POD_GEN[$p]=$((${POD_GEN[$p]:-0} + 1))
  mapfile -d '' env < <(py podenv --run "$RUN" --name "$p" --ip "${POD_IP[$p]}")
  ip netns exec "pm-pod-${p##*-}" env -i PATH="$PATH" HOME=/tmp LANG=C.UTF-8 "${env[@]}" \
    java "${JAVA_OPTS[@]}" -jar "$JAR" >"$RUN/pods/$p.${POD_GEN[$p]}.log" 2>&1 9>&- &
  POD_PID[$p]=$!
  track "${POD_PID[$p]}"
  is_live "$p" && return 0
  LIVE+=("$p")
  prom_sync
}
is_live() { local q; for q in "${LIVE[@]}"; do [ "$q" = "$1" ] && return 0; done; return 1; }

pod_gone() { # the pod no longer exists: not a Prometheus target any more
  local p=$1 q keep=()
  for q in "${LIVE[@]}"; do [ "$q" != "$p" ] && keep+=("$q"); done
  LIVE=("${keep[@]}")
  prom_sync
}

EXIT_CODE=
pod_wait_exit() { # name deadline-seconds: sets EXIT_CODE; returns 1 when still running
  local p=$1 i pid=${POD_PID[$1]}
  for ((i = 0; i < $2 * 10; i++)); do
    if exited "$pid"; then { wait "$pid"; } 2>/dev/null; EXIT_CODE=$?; unset "POD_PID[$p]"; return 0; fi
    sleep 0.1
  done
  EXIT_CODE=running
  return 1
}

pod_delete() { # name signal|-: the process gets the signal (- : already sent), then the sandbox goes; sets EXIT_CODE
  local p=$1 sig=$2
  [ "$sig" = - ] || signal "$sig" "${POD_PID[$p]}"
  # 25 s: terminationGracePeriodSeconds (20) and some; then SIGKILL, as the kubelet would.
  pod_wait_exit "$p" 25 || { signal KILL "${POD_PID[$p]}"; pod_wait_exit "$p" 5; }
  pod_gone "$p"
  ns_drop "pm-pod-${p##*-}"
  unset "POD_IP[$p]"
}

specs() { local p; for p in "$@"; do printf '%s=%s ' "$p" "${POD_IP[$p]}"; done; }
others() { local p; for p in "${LIVE[@]}"; do [ "$p" != "$1" ] && printf '%s ' "$p"; done; }
node_ids() { # records POD_ID of the given pods (their /node answers)
  local line
  while read -r name id; do [ "$id" != - ] && POD_ID[$name]=$id; done < <(py nodeid --deadline 20 $(specs "$@"))
}
free_ip() { # [excluded-ip]: the lowest address of .10-.59 that no pod uses
  local i p used
  for ((i = 10; i < 60; i++)); do
    used=
    [ "$NET.$i" = "${1:-}" ] && continue
    for p in "${!POD_IP[@]}"; do [ "${POD_IP[$p]}" = "$NET.$i" ] && used=1; done
    [ -z "$used" ] && { echo "$NET.$i"; return; }
  done
}

sampler_start() { # out-file pods...: samples readiness in the background
  local out=$1; shift
  "${SIMPY[@]}" sampler --out "$out" $(specs "$@") 9>&- &
  SAMPLER=$!
  track $SAMPLER
  HELPERS+=("$SAMPLER")
}
sampler_stop() { signal TERM "$SAMPLER"; wait "$SAMPLER" 2>/dev/null; }

# ------------------------------------------------------------------------------------ scenarios
DETAIL=
# Runs a check (a sim.py command) and appends its last line to DETAIL: check always, must only
# when it fails. It runs in the background and is waited for, so that a signal (the global
# timeout) reaches the trap at once rather than after the check's own deadline.
check() { _check always "$@"; }
must() { _check failure "$@"; }
_check() {
  local when=$1 rc out; shift
  [ "$1" = py ] && { shift; set -- "${SIMPY[@]}" "$@"; }   # the process itself, not a subshell
  "$@" >"$RUN/check.out" 2>&1 9>&- &
  CHILD=$!; track $CHILD
  wait "$CHILD"; rc=$?; CHILD=
  out=$(tail -1 "$RUN/check.out")
  # "ok|FAILED <seconds> <message>" becomes "<message> (<seconds>s)"
  if [[ "$out" =~ ^(ok|FAILED)\ ([0-9.]+)\ (.*)$ ]]; then
    out="${BASH_REMATCH[3]} (${BASH_REMATCH[2]}s)"
  fi
  if [ $rc -ne 0 ]; then
    DETAIL+="${DETAIL:+; }FAILED: $out"
  elif [ "$when" = always ]; then
    DETAIL+="${DETAIL:+; }$out"
  fi
  return $rc
}
note() { DETAIL+="${DETAIL:+; }$*"; }
run_quiet() { [ "$1" = py ] && { shift; set -- "${SIMPY[@]}" "$@"; }; "$@" >"$RUN/check.out" 2>&1 9>&- & CHILD=$!; track $CHILD; wait "$CHILD"; local rc=$?; CHILD=; return $rc; }

scenario() { # title function
  local title=$1 t0=$EPOCHREALTIME res
  DETAIL=
  log "-- $title"
  if "$2"; then res=PASS; else res=FAIL; fi
  R_NAME+=("$title") R_RES+=("$res") R_SECS+=("$(elapsed "$t0")") R_DETAIL+=("$DETAIL")
  printf '%s  %-50s %6ss  %s\n' "$res" "$title" "${R_SECS[-1]}" "$DETAIL"
  [ $res = PASS ]
}

s_start() {
  local i
  for ((i = 0; i < PODS; i++)); do POD_IP[peermesh-$i]=$NET.$((10 + i)); dns_add "peermesh-$i"; done
  for ((i = 0; i < PODS; i++)); do pod_create "peermesh-$i" "${POD_IP[peermesh-$i]}" || return 1; done
  must py wait-ready --deadline 90 $(specs "${LIVE[@]}") || return 1
  note "all $PODS ready $(elapsed "$T_PODS")s after the first start"
  must py health --kind started $(specs "${LIVE[@]}") || return 1
  must py health --kind live $(specs "${LIVE[@]}") || return 1
  check py mesh --deadline 30 $(specs "${LIVE[@]}") || return 1
  node_ids "${LIVE[@]}"
}

s_quiet() {
  check py prom-ready --deadline 30 $(specs "${LIVE[@]}") || return 1
  # Startup can leave an alert pending or firing (a pod alone for a moment, slow first pings),
  # which the real `for` durations and windows absorb: wait for it to clear, then nothing may
  # fire for longer than any (compressed) `for`.
  check py clear --deadline 45 || return 1
  check py quiet --duration 8
}

DEAD_IDS=    # node ids of processes that ended: no pod may list them again
s_delete() {
  local v=${LIVE[-1]} rest ok=0
  rest=$(others "$v")
  DELETED=$v DELETED_IP=${POD_IP[$v]}
  sampler_start "$RUN/samples/delete" $rest
  dns_remove "$v"
  pod_delete "$v" KILL
  note "$v killed -9 (exit $EXIT_CODE)"
  DEAD_IDS+="${DEAD_IDS:+,}${POD_ID[$v]:-unknown}"
  # Dropped at once: its kernel reset the connections.
  check py dropped --deadline 10 --id "${POD_ID[$v]:-unknown}" $(specs $rest) || ok=1
  sleep 2
  sampler_stop
  check py samples "$RUN/samples/delete" --min "$(wc -w <<<"$rest")" || ok=1
  # README: "An address DNS stops listing is not dialled again once its node is gone." Measured,
  # not failed: peers that also heard the address through gossip keep dialling it for a while.
  local t0=$EPOCHREALTIME first
  if run_quiet py dropped --deadline 1 --id none --addr "$DELETED_IP:$PEER_PORT" $(specs $rest); then
    note "its address is dialled by nobody"
  else
    first=$(tail -1 "$RUN/check.out"); first=${first#*still listed by: }
    if run_quiet py dropped --deadline 60 --id none --addr "$DELETED_IP:$PEER_PORT" $(specs $rest); then
      note "WARN: its address was still dialled $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a + 2 }')s after DNS dropped it (README: not dialled again): $first"
    else
      note "WARN: its address still dialled 60s after DNS dropped it: $first"
    fi
  fi
  return $ok
}

s_recreate() {
  local newip reuse=peermesh-$PODS ok=0
  newip=$(free_ip "$DELETED_IP")
  pod_create "$DELETED" "$newip" || return 1            # the same pod, recreated: a new IP
  pod_create "$reuse" "$DELETED_IP" || return 1         # another pod that got the old IP
  dns_add "$DELETED" "$reuse"
  note "$DELETED back at $newip, $reuse at the old $DELETED_IP"
  must py wait-ready --deadline 60 $(specs "$DELETED" "$reuse") || return 1
  check py mesh --deadline 30 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  node_ids "$DELETED" "$reuse"
  # Back to N pods: the extra one is deleted gracefully (record removed, SIGTERM: it says bye).
  dns_remove "$reuse"
  pod_delete "$reuse" TERM
  DEAD_IDS+=",${POD_ID[$reuse]:-unknown}"
  note "$reuse deleted (SIGTERM, exit $EXIT_CODE)"
  [ "$EXIT_CODE" = 143 ] || { note "UNEXPECTED exit code (README: 143)"; ok=1; }
  check py mesh --deadline 15 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  return $ok
}

s_partition() {
  local v=${LIVE[1]} rest t0 r ok=0 pid before
  rest=$(others "$v"); pid=${POD_PID[$v]}; before=${POD_ID[$v]:-unknown}
  sampler_start "$RUN/samples/partition" $rest
  t0=$EPOCHREALTIME
  for r in "${PARTITION_ROUTES[@]}"; do ip -n "pm-pod-${v##*-}" route add prohibit "$r"; done
  note "$v cut off from every pod (DNS, probes and Prometheus still reach it)"
  must py wait-ready --down --deadline 10 $(specs "$v") || ok=1
  note "$v not ready after $(elapsed "$t0")s"
  must py dropped --deadline 10 --id "$before" $(specs $rest) || ok=1
  note "dropped by all after $(elapsed "$t0")s"
  must py health --kind live $(specs "$v") || ok=1     # liveness never depends on peers: no restart
  check py alert --deadline 20 --name PeermeshNodeWithoutPeers --pod "$v" || ok=1
  check py alert --deadline 20 --name PeermeshMeshIncomplete || ok=1
  sampler_stop
  must py samples "$RUN/samples/partition" --min "$(wc -w <<<"$rest")" || ok=1
  t0=$EPOCHREALTIME
  for r in "${PARTITION_ROUTES[@]}"; do ip -n "pm-pod-${v##*-}" route del prohibit "$r"; done
  must py mesh --deadline 45 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  must py wait-ready --deadline 5 $(specs "${LIVE[@]}") || ok=1
  note "healed: full mesh again $(elapsed "$t0")s later"
  node_ids "$v"
  if [ "${POD_ID[$v]:-unknown}" = "$before" ] && ! exited "$pid"; then
    note "same process and node id (no restart)"
  else
    note "RESTARTED: node id $before -> ${POD_ID[$v]:-unknown}"; ok=1
  fi
  return $ok
}

s_hung() {
  local v=${LIVE[2]} rest t0 ok=0
  rest=$(others "$v")
  # The partition's timeouts may still hold PeermeshPeersTimingOut up: let it clear first, so
  # that what fires below is this scenario's doing (and the alert is seen to resolve).
  must py clear --deadline 40 --names PeermeshPeersTimingOut || ok=1
  sampler_start "$RUN/samples/hung" $rest
  t0=$EPOCHREALTIME
  signal STOP "${POD_PID[$v]}"
  # Bound: ping-timeout 3 s + ping-interval 1 s, plus 3 s of slack for a loaded 2-core machine.
  must py dropped --deadline 7 --id "${POD_ID[$v]:-unknown}" $(specs $rest) || ok=1
  note "$v paused (SIGSTOP): dropped by all after $(elapsed "$t0")s"
  check py alert --deadline 20 --name PeermeshPeersTimingOut --since "$t0" || ok=1
  signal CONT "${POD_PID[$v]}"
  sampler_stop
  must py samples "$RUN/samples/hung" --min "$(wc -w <<<"$rest")" || ok=1
  t0=$EPOCHREALTIME
  must py mesh --deadline 45 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  must py wait-ready --deadline 5 $(specs "${LIVE[@]}") || ok=1
  note "resumed (SIGCONT): full mesh again $(elapsed "$t0")s later"
  return $ok
}

s_slow() {
  local v=${LIVE[3]} rest t0 ok=0 before after since_before since_after pid
  rest=$(others "$v"); pid=${POD_PID[$v]}
  before=$(py metric-sum --name p2p_peer_timeouts_total $(specs "${LIVE[@]}"))
  since_before=$(py connected-since --id "${POD_ID[$v]:-unknown}" $(specs $rest))
  # CPU starvation as a throttled container sees it: paused 0.6 s of every second. Pauses
  # shorter than ping-timeout - ping-interval (2 s) must never get the pod dropped.
  ( trap 'signal CONT '"$pid"'; exit 0' TERM
    while true; do signal STOP "$pid"; sleep 0.6; signal CONT "$pid"; sleep 0.4; done ) 9>&- &
  local throttle=$!
  track $throttle; HELPERS+=("$throttle")
  t0=$EPOCHREALTIME
  check py alert --deadline 45 --name PeermeshPingRttHigh || ok=1
  note "$v throttled for $(elapsed "$t0")s"
  signal TERM "$throttle"; wait "$throttle" 2>/dev/null; signal CONT "$pid"
  sleep 1
  after=$(py metric-sum --name p2p_peer_timeouts_total $(specs "${LIVE[@]}"))
  since_after=$(py connected-since --id "${POD_ID[$v]:-unknown}" $(specs $rest))
  if [ "$before" = "$after" ] && [ "$since_before" = "$since_after" ] && [[ "$since_after" != *null* ]]; then
    note "never dropped (no peer timeout; every connection to it unchanged)"
  else
    note "DROPPED: p2p_peer_timeouts_total $before -> $after; connectedSince $since_before -> $since_after"
    ok=1
  fi
  must py wait-ready --deadline 10 $(specs "${LIVE[@]}") || ok=1
  return $ok
}

s_rolling() {
  local p ok=0 n=${#LIVE[@]} pods=("${LIVE[@]}") t0 times=()
  must py mesh --deadline 20 $(specs "${LIVE[@]}") || return 1
  sampler_start "$RUN/samples/rolling" "${pods[@]}"
  for p in "${pods[@]}"; do
    t0=$EPOCHREALTIME
    signal TERM "${POD_PID[$p]}"
    pod_wait_exit "$p" 25 || { note "$p did not exit within 25 s of SIGTERM"; ok=1; break; }
    [ "$EXIT_CODE" = 143 ] || { note "$p exited $EXIT_CODE after SIGTERM (README: 143)"; ok=1; }
    DEAD_IDS+=",${POD_ID[$p]:-unknown}"
    pod_start "$p"
    must py wait-ready --deadline 60 $(specs "$p") || { ok=1; break; }
    times+=("${p#peermesh-}:$(elapsed "$t0")s")
  done
  sampler_stop
  note "restart to ready: ${times[*]}"
  check py samples "$RUN/samples/rolling" --min $((n - 1)) || ok=1
  check py mesh --deadline 30 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  node_ids "${LIVE[@]}"
  return $ok
}

s_scale() {
  local ok=0 p i add=() gone=() keep=() t0=$EPOCHREALTIME n=${#LIVE[@]}
  for ((i = 0; ${#add[@]} < 3; i++)); do is_live "peermesh-$i" || add+=("peermesh-$i"); done
  for p in "${add[@]}"; do POD_IP[$p]=$(free_ip); done
  dns_add "${add[@]}"
  for p in "${add[@]}"; do pod_create "$p" "${POD_IP[$p]}" || return 1; done
  must py wait-ready --deadline 90 $(specs "${LIVE[@]}") || ok=1
  must py mesh --deadline 40 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  note "$n -> ${#LIVE[@]}: all ready, full mesh after $(elapsed "$t0")s"
  node_ids "${add[@]}"
  # Down to 3, highest ordinals first, all at once (podManagementPolicy: Parallel).
  t0=$EPOCHREALTIME
  mapfile -t keep < <(printf '%s\n' "${LIVE[@]}" | sort -t- -k2 -n | head -3)
  mapfile -t gone < <(printf '%s\n' "${LIVE[@]}" | sort -t- -k2 -n | tail -n +4)
  sampler_start "$RUN/samples/scale" "${keep[@]}"
  dns_remove "${gone[@]}"
  for p in "${gone[@]}"; do signal TERM "${POD_PID[$p]}"; DEAD_IDS+=",${POD_ID[$p]:-}"; done
  for p in "${gone[@]}"; do pod_delete "$p" -; [ "$EXIT_CODE" = 143 ] || { note "$p exit $EXIT_CODE"; ok=1; }; done
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  sampler_stop
  must py samples "$RUN/samples/scale" --min 3 || ok=1
  note "$((${#LIVE[@]} + ${#gone[@]})) -> ${#LIVE[@]}: ${keep[*]} stayed ready, exact mesh after $(elapsed "$t0")s"
  return $ok
}

s_final_alerts() {
  check py clear --deadline 45 || return 1
  check py quiet --duration 5
}

s_dashboard() {
  py dashboard --repo "$REPO" --out "$RUN/prometheus/dashboard-queries.json" | sed 's/^/  /' || return 1
  check py dashcheck --queries "$RUN/prometheus/dashboard-queries.json"
  local rc=$?
  sed '$d' "$RUN/check.out"     # one line per query
  return $rc
}

# ------------------------------------------------------------------------------------------- main
echo "peermesh cluster simulation: $PODS pods on $BR ($NET.0/24), run dir ${RUN#$REPO/}"
py manifest --repo "$REPO" --run "$RUN" || die "cannot read the manifests"
NAMESPACE=$(py get --run "$RUN" namespace)
SVC_FQDN=$(py get --run "$RUN" service).$NAMESPACE.svc.cluster.local
HTTP_PORT=$(py get --run "$RUN" http_port)
PEER_PORT=$(py get --run "$RUN" peer_port)
METRICS_PATH=$(py get --run "$RUN" metrics_path)
JAVA_OPTS+=(-XX:ActiveProcessorCount="$(py get --run "$RUN" cpus)")
echo "  JVM (not the image's run-java.sh): ${JAVA_OPTS[*]}"
net_up
start_dnsmasq
start_prometheus
log "dnsmasq serves $SVC_FQDN at $DNS_IP; prometheus on $SIM_PROM"
T_PODS=$EPOCHREALTIME

if scenario "all pods ready" s_start; then
  scenario "steady state: no alert fires" s_quiet
  scenario "pod deleted (kill -9, record removed)" s_delete
  scenario "pod recreated on a new IP, new pod on the old IP" s_recreate
  scenario "pod partitioned, then healed" s_partition
  scenario "pod hung (SIGSTOP), then resumed" s_hung
  scenario "pod CPU-starved (RTT high, never dropped)" s_slow
  scenario "rolling restart, one pod at a time" s_rolling
  scenario "scale ${#LIVE[@]} -> $((${#LIVE[@]} + 3)) -> 3 through DNS records" s_scale
  scenario "alerts resolved after healing" s_final_alerts
  scenario "dashboard queries return data" s_dashboard
fi

summary
exit $SUMMARY_FAIL
