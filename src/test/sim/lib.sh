# Shared parts of the process-level simulations (cluster.sh, faults.sh, sidecar.sh, soak.sh), sourced by them:
# pods as network namespaces on a bridge running the real jar, dnsmasq serving the headless
# Service, optionally Prometheus; processes tracked by PID and start time; checks with deadlines
# (sim.py); the scenario table; a global deadline; cleanup of everything that was started.
# Traffic goes only to loopback and to 10.213.0.0/24 inside namespaces made here.
#
# A script sets SIM_NAME (its name, for messages and the run directory's prefix), TIMEOUT (the
# whole run, seconds), WITH_PROMETHEUS (1 or 0) and PODS, then sources this file and calls, in
# order, sim_preflight, sim_boot, its scenarios, and summary. Optional, after sourcing:
# SIM_TOOLS (command:package pairs it needs beyond these), POD_ENV (VAR=value pairs every pod
# process gets after the manifest's), POD_SETUP (a function run with the pod's name once its
# namespace exists, before its first process starts: what an init container or sidecar would do).

SIM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SIM_DIR/../../.." && pwd)
JAR=$REPO/target/quarkus-app/quarkus-run.jar
PROM_PORT=${SIM_PROM_PORT:-19090}
NET=10.213.0
BR=pm-br0
DNS_NS=pm-dns
DNS_IP=$NET.2
HOST_IP=$NET.1
RULE_PREF=21300                       # policy rule keeping pod traffic inside the bridge
# Partition: every pod address (.8-.255) prohibited, host (.1) and DNS (.2) still reachable.
PARTITION_ROUTES=($NET.8/29 $NET.16/28 $NET.32/27 $NET.64/26 $NET.128/25)
# Light JVMs: 5-10 of them share 2 cores. The processor count is the container's CPU limit (below).
JAVA_OPTS=(-Xmx128m -Xmn8m -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1
           -Djava.util.logging.manager=org.jboss.logmanager.LogManager)

log() { printf '[%6.1fs] %s\n' "$(elapsed "$T_START")" "$*"; }
die() { echo "$SIM_NAME: $*" >&2; exit 2; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# ------------------------------------------------------------------------------------ preflight
sim_preflight() { # setting min max: PODS within min..max (named by the setting); root, packages,
  # the lock, leftovers of a run killed -9, the jar, the run directory; then the traps and the deadline
  [[ "$PODS" =~ ^[0-9]+$ ]] && [ "$PODS" -ge "$2" ] && [ "$PODS" -le "$3" ] || die "$1 must be $2..$3"
  [ "$(id -u)" = 0 ] || die "run as root (network namespaces, a bridge, ip netns exec)"
  local need=() ns l
  command -v ip >/dev/null || need+=(iproute2)
  command -v curl >/dev/null || need+=(curl)
  [ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
  [ "$WITH_PROMETHEUS" = 0 ] || command -v prometheus >/dev/null || need+=(prometheus)
  local tool
  for tool in "${SIM_TOOLS[@]}"; do command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}"); done
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
  # One simulation at a time: they share the bridge, the namespaces' names and the addresses.
  mkdir -p /run/lock
  exec 9>/run/lock/peermesh-sim.lock
  flock -n 9 || die "another simulation (cluster.sh, faults.sh, sidecar.sh or soak.sh) holds /run/lock/peermesh-sim.lock"

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
  if [ "$WITH_PROMETHEUS" != 0 ]; then
    python3 - "$PROM_PORT" <<'EOF' || die "127.0.0.1:$PROM_PORT is taken: set SIM_PROM_PORT"
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.close()
EOF
  fi

  if [ ! -f "$JAR" ]; then
    echo "building $JAR"
    # -Dmaven.test.skip: the simulation needs only the application (tests are not even compiled).
    (cd "$REPO" && ./mvnw -B -q package -Dmaven.test.skip=true) || die "build failed"
  fi

  mkdir -p "$REPO/target/sim"
  RUN=$REPO/target/sim/$RUN_PREFIX-$(date +%Y%m%d-%H%M%S)
  mkdir -p "$RUN/pods" "$RUN/dns/hosts.d" "$RUN/prometheus" "$RUN/samples"
  ls -1d "$REPO/target/sim/$RUN_PREFIX"-* 2>/dev/null | head -n -"${SIM_KEEP_RUNS:-5}" | xargs -r rm -rf
  export SIM_RUN=$RUN SIM_PROM=http://127.0.0.1:$PROM_PORT
  sim_traps
}
RUN_PREFIX=${RUN_PREFIX:-run}
SIMPY=(python3 "$SIM_DIR/sim.py")
py() { "${SIMPY[@]}" "$@"; }

# --------------------------------------------------------------------------- state and cleanup
declare -A POD_IP POD_PID POD_ID POD_GEN NS_MADE
LIVE=()         # pods whose process runs (or is paused): Prometheus targets, like a pod in the API
DNS_PODS=()     # pods the headless Service lists
HELPERS=()      # our background helpers (sampler, throttle loop)
EXTRA_PIDS=()   # other processes a script started (e.g. a second node in a pod's namespace)
SIM_TOOLS=() POD_ENV=() POD_SETUP=
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
  echo "total $(elapsed "$T_START")s;${PROM_PID:+ alert rules time-compressed (see above);} logs in ${RUN#$REPO/}"
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
  for p in "${EXTRA_PIDS[@]}"; do signal CONT "$p"; signal TERM "$p"; done
  for p in "${!POD_PID[@]}"; do signal CONT "${POD_PID[$p]}"; signal TERM "${POD_PID[$p]}"; done
  for p in "${EXTRA_PIDS[@]}"; do stop_pid "$p" 10; done
  for p in "${!POD_PID[@]}"; do stop_pid "${POD_PID[$p]}" 10; done
  stop_pid "$PROM_PID" 10
  stop_pid "$DNSMASQ_PID" 5
  for p in "${!NS_MADE[@]}"; do ns_drop "$p"; done
  rmdir /etc/netns 2>/dev/null
  ip link del "$BR" 2>/dev/null
  ip rule del pref $RULE_PREF 2>/dev/null
  echo "cleaned up: pods, dnsmasq,${PROM_PID:+ prometheus,} namespaces, $BR (logs in ${RUN#$REPO/})"
  exit "$rc"
}

sim_traps() { # the EXIT trap and the global deadline: the whole run, cleanup included, ends in bounded time
  trap cleanup EXIT
  trap 'echo "interrupted"; exit 130' INT
  trap 'echo "terminated (global timeout of ${TIMEOUT}s, or a signal)"; exit 124' TERM
  ( sleep "$TIMEOUT" & s=$!; trap 'kill $s 2>/dev/null; exit 0' TERM; wait $s; kill -TERM $$ ) 9>&- &
  WATCHDOG_PID=$!
  track "$WATCHDOG_PID"
}

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

pod_ns() { echo "pm-pod-${1##*-}"; }
partition() { # pod add|del: every pod address prohibited inside the pod (host, DNS still reachable)
  local r
  for r in "${PARTITION_ROUTES[@]}"; do ip -n "$(pod_ns "$1")" route "$2" prohibit "$r"; done
}

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

DNSMASQ_STARTS=0
start_dnsmasq() { # (again after stop_dnsmasq: the same records, a new process)
  dns_sync
  DNSMASQ_STARTS=$((DNSMASQ_STARTS + 1))
  local logf=$RUN/dns/dnsmasq.$DNSMASQ_STARTS.log
  ip netns exec "$DNS_NS" /usr/sbin/dnsmasq --keep-in-foreground --listen-address="$DNS_IP" --bind-interfaces \
    --port=53 --no-resolv --no-hosts --local=/#/ --local-ttl=0 --hostsdir="$RUN/dns/hosts.d" \
    --user=root --group=root --pid-file= --log-facility="$logf" >>"$RUN/dns/stdout.log" 2>&1 9>&- &
  DNSMASQ_PID=$!
  track $DNSMASQ_PID
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q started "$logf" 2>/dev/null && return 0
    exited "$DNSMASQ_PID" && break
    sleep 0.1
  done
  die "dnsmasq did not start: $(cat "$RUN/dns/stdout.log" "$logf" 2>/dev/null)"
}
stop_dnsmasq() { stop_pid "$DNSMASQ_PID" 5; DNSMASQ_PID=; }

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
  ns_make "$(pod_ns "$p")" "$2" "pm-veth${p##*-}" || { echo "cannot create the namespace of $p"; return 1; }
  [ -z "$POD_SETUP" ] || "$POD_SETUP" "$p" || { echo "cannot set up the namespace of $p"; return 1; }
  pod_start "$p"
}

pod_exec() { # name log-file [VAR=value...]: the pod's container process in the background, $! its PID
  local p=$1 out=$2 env; shift 2
  mapfile -d '' env < <(py podenv --run "$RUN" --name "$p" --ip "${POD_IP[$p]}")
  ip netns exec "$(pod_ns "$p")" env -i PATH="$PATH" HOME=/tmp LANG=C.UTF-8 "${env[@]}" "${POD_ENV[@]}" "$@" \
    java "${JAVA_OPTS[@]}" -jar "$JAR" >"$out" 2>&1 9>&- &
}

pod_start() { # (re)starts the container of pod $1 in its existing namespace
  local p=$1
  POD_GEN[$p]=$((${POD_GEN[$p]:-0} + 1))
  pod_exec "$p" "$RUN/pods/$p.${POD_GEN[$p]}.log"
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
pid_wait_exit() { # pid deadline-seconds: sets EXIT_CODE; returns 1 when still running
  local pid=$1 i
  for ((i = 0; i < $2 * 10; i++)); do
    if exited "$pid"; then { wait "$pid"; } 2>/dev/null; EXIT_CODE=$?; return 0; fi
    sleep 0.1
  done
  EXIT_CODE=running
  return 1
}
pod_wait_exit() { # name deadline-seconds: sets EXIT_CODE; returns 1 when still running
  pid_wait_exit "${POD_PID[$1]}" "$2" || return 1
  unset "POD_PID[$1]"
}

pod_delete() { # name signal|-: the process gets the signal (- : already sent), then the sandbox goes; sets EXIT_CODE
  local p=$1 sig=$2
  [ "$sig" = - ] || signal "$sig" "${POD_PID[$p]}"
  # 25 s: terminationGracePeriodSeconds (20) and some; then SIGKILL, as the kubelet would.
  pod_wait_exit "$p" 25 || { signal KILL "${POD_PID[$p]}"; pod_wait_exit "$p" 5; }
  pod_gone "$p"
  ns_drop "$(pod_ns "$p")"
  unset "POD_IP[$p]"
}

specs() { local p; for p in "$@"; do printf '%s=%s ' "$p" "${POD_IP[$p]}"; done; }
others() { local p; for p in "${LIVE[@]}"; do [ "$p" != "$1" ] && printf '%s ' "$p"; done; }
node_ids() { # records POD_ID of the given pods (their /node answers)
  local name id
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
same() { # label before after: equal, or a note saying what changed
  [ "$2" = "$3" ] && return 0
  note "CHANGED $1: before $2; after $3"
  return 1
}
wait_log() { # file pattern count pid seconds: until the file holds count lines matching, or the pid exits
  local i
  for ((i = 0; i < $5 * 10; i++)); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    exited "$4" && return 1
    sleep 0.1
  done
  return 1
}
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

# ------------------------------------------------------------------------------------- the start
sim_boot() { # reads the manifests, builds the network, starts dnsmasq (and Prometheus)
  echo "peermesh $SIM_NAME: $PODS pods on $BR ($NET.0/24), run dir ${RUN#$REPO/}"
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
  if [ "$WITH_PROMETHEUS" != 0 ]; then
    start_prometheus
    log "dnsmasq serves $SVC_FQDN at $DNS_IP; prometheus on $SIM_PROM"
  else
    log "dnsmasq serves $SVC_FQDN at $DNS_IP"
  fi
  T_PODS=$EPOCHREALTIME
}

s_start() { # scenario: PODS pods started at once, all listed in DNS, all ready with a full mesh
  local i
  for ((i = 0; i < PODS; i++)); do POD_IP[peermesh-$i]=$NET.$((10 + i)); dns_add "peermesh-$i"; done
  for ((i = 0; i < PODS; i++)); do pod_create "peermesh-$i" "${POD_IP[peermesh-$i]}" || return 1; done
  must py wait-ready --deadline "${START_DEADLINE:-90}" $(specs "${LIVE[@]}") || return 1
  note "all $PODS ready $(elapsed "$T_PODS")s after the first start"
  must py health --kind started $(specs "${LIVE[@]}") || return 1
  must py health --kind live $(specs "${LIVE[@]}") || return 1
  check py mesh --deadline 30 $(specs "${LIVE[@]}") || return 1
  node_ids "${LIVE[@]}"
}
