#!/usr/bin/env bash
# Shared source addresses and gray links (issue 10) on the simulated cluster of cluster.sh (lib.sh:
# pods as network namespaces running the real jar, dnsmasq serving the headless Service): every pod
# behind an Istio-like sidecar, so that every inbound peer connection of a pod arrives from one
# address (127.0.0.6), with the production limits; a hostile client behind the same sidecar; a
# paused pod coming back; a listener that accepts and never answers (no_hello); an asymmetric
# partition (one_way). See README.md, "Faults and soak". Run as root: bash src/test/sim/sidecar.sh
#
# Settings (environment): SIM_PODS (10, 4..10), SIM_TIMEOUT (420 s, the whole run), SIM_KEEP_RUNS.
# Traffic goes only to loopback and to 10.213.0.0/24 inside namespaces this script creates; the
# nftables rules live inside those namespaces and go with them.
set -uo pipefail

SIM_NAME=sidecar.sh RUN_PREFIX=sidecar WITH_PROMETHEUS=0
PODS=${SIM_PODS:-10}
TIMEOUT=${SIM_TIMEOUT:-420}
START_DEADLINE=180   # 10 JVMs starting at once on 2 cores (as soak.sh)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SIM_TOOLS=(nft:nftables ss:iproute2)
sim_preflight SIM_PODS 4 10

SC=(python3 "$SIM_DIR/sidecar.py")
# The simulation's timings (sim.py SIM_OVERRIDES: ping-interval 1s, ping-timeout 3s, DNS every 1s),
# and dial-backoff-max 5 s instead of 30 s: the one-way re-probe runs every dial-backoff-max, and
# every re-dial bound below contains it. The limits (p2p.limits.*) are the production defaults:
# behind a sidecar nothing needs setting (README, "Penalties and shared source addresses").
PING_INTERVAL=1 PING_TIMEOUT=3 BACKOFF_MAX=5 CONNECT_TIMEOUT=3 HANDSHAKE_TIMEOUT=5 BAN_DURATION=60
POD_ENV=(P2P_DIAL_BACKOFF_MAX=${BACKOFF_MAX}s)

# ------------------------------------------------------------------------------------ the sidecar
# What Istio's sidecar mode does to inbound traffic (Istio >= 1.10): istio-init's iptables REDIRECT
# every inbound TCP connection to Envoy's port 15006; Envoy connects on to the pod IP (not
# localhost, since 1.10) with its upstream socket bound to 127.0.0.6, so the application sees every
# inbound connection come from 127.0.0.6. Modelled with an nft `redirect` in the namespace's
# prerouting (only what arrives on eth0 for the peer port: the probes on the HTTP port stay direct,
# as a kubelet's would with Istio's probe rewrite) and a forwarder (sidecar.py forward) that finds
# the original destination with SO_ORIGINAL_DST. The node listens on 0.0.0.0 as the StatefulSet
# says, so no DNAT to 127.0.0.1 and no route_localnet are needed; 127.0.0.6 needs no address of its
# own (all of 127.0.0.0/8 is local on lo). Outbound capture (Envoy's 15001) is left out: it changes
# nothing a node sees, since the receiving pod's sidecar rewrites the source anyway.
FWD_PORT=15006
SIDECAR_SRC=127.0.0.6
sidecar_setup() { # pod: the sidecar's rules and forwarder in its namespace, before the node starts
  local p=$1 ns log pid
  ns=$(pod_ns "$p"); log=$RUN/pods/$p.sidecar.log
  ip netns exec "$ns" nft -f - <<EOF || return 1
table ip sidecar {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "eth0" tcp dport $PEER_PORT redirect to :$FWD_PORT
  }
}
EOF
  ip netns exec "$ns" "${SC[@]}" forward --port "$FWD_PORT" --bind "$SIDECAR_SRC" >"$log" 2>&1 9>&- &
  pid=$!; track "$pid"; EXTRA_PIDS+=("$pid")
  wait_log "$log" '^listening' 1 "$pid" 10 || { echo "the sidecar of $p did not start: $(cat "$log")"; return 1; }
}
POD_SETUP=sidecar_setup

# An outside host on the bridge (not a pod: no sidecar), for the gray listener and the hostile
# client. Named like a pod namespace so that the preflight's sweep of leftovers knows it.
OUT=pm-pod-70 OUT_IP=$NET.70
GRAY_PID= GRAY_STARTS=0
gray_start() { # a process at OUT_IP:PEER_PORT that accepts connections and never sends a byte
  GRAY_STARTS=$((GRAY_STARTS + 1))
  ip netns exec "$OUT" "${SC[@]}" gray-listen --host "$OUT_IP" --port "$PEER_PORT" >>"$RUN/gray.log" 2>&1 9>&- &
  GRAY_PID=$!; track "$GRAY_PID"; EXTRA_PIDS+=("$GRAY_PID")
  wait_log "$RUN/gray.log" '^listening' "$GRAY_STARTS" "$GRAY_PID" 10 || { note "gray listener did not start"; return 1; }
}
gray_stop() { stop_pid "$GRAY_PID" 5; GRAY_PID=; }

DEAD_IDS=
restart_kill9() { # pod: kill -9 and a new process in the same namespace (new node id); sets OLD_ID
  local p=$1
  OLD_ID=${POD_ID[$p]:-unknown}
  signal KILL "${POD_PID[$p]}"
  pod_wait_exit "$p" 10 || { note "$p still running 10 s after kill -9"; return 1; }
  DEAD_IDS+="${DEAD_IDS:+,}$OLD_ID"
  pod_start "$p"
}

# ------------------------------------------------------------------------------------ scenarios
s_mesh() {
  s_start || return 1
  # Behind the sidecar: every inbound connection from 127.0.0.6, yet every address the nodes know
  # and gossip is a pod's own (a hello's listen, never a socket's source).
  check "${SC[@]}" paths --deadline 10 --net "$NET." --source "$SIDECAR_SRC" $(specs "${LIVE[@]}") || return 1
  # max-inbound-per-ip (32) counts connections in their handshake only: 9 peers through one address
  # hit no limit, nor does anything else while the mesh forms.
  check "${SC[@]}" metric-is --deadline 0 --name p2p_limits_total --value 0 $(specs "${LIVE[@]}")
}

s_gray() {
  local ok=0 addr=$OUT_IP:$PEER_PORT all=("${LIVE[@]}") links0 links1 total0
  must py mesh --deadline 20 $(specs "${all[@]}") || return 1
  links0=$(py links $(specs "${all[@]}"))
  total0=$(py metric-sum --per-pod --name p2p_link_problems_total --match 'problem="no_hello"' $(specs "${all[@]}"))
  gray_start || return 1
  POD_IP[gray]=$OUT_IP
  dns_add gray
  note "a listener at $addr that accepts and never answers, listed by the headless Service"
  # Bound: a lookup within 1.2 s, a connect, then handshake-timeout (5 s) without a hello; 20 s for load.
  check "${SC[@]}" link --deadline 20 --addr "$addr" --link no_hello $(specs "${all[@]}") || ok=1
  check py ready-data --deadline 5 --status UP --want "link1=accepts connections but never answers the hello: $addr" \
    $(specs "${all[@]}") || ok=1
  must py metric-rise --deadline 5 --name p2p_link_problems_current --match 'problem="no_hello"' $(specs "${all[@]}") || ok=1
  check py metric-rise --deadline 5 --name p2p_link_problems_total --match 'problem="no_hello"' --base "$total0" \
    $(specs "${all[@]}") || ok=1
  # It stops accepting (the process gone, DNS still listing it): a plain refusal, no longer gray.
  # Bound: the next re-dial (dial-backoff-max 5 s) is refused; +5 s for load.
  gray_stop
  check "${SC[@]}" link --deadline $((BACKOFF_MAX + 5)) --addr "$addr" --link none $(specs "${all[@]}") || ok=1
  must "${SC[@]}" metric-is --deadline 5 --name p2p_link_problems_current --match 'problem="no_hello"' --value 0 \
    $(specs "${all[@]}") || ok=1
  must "${SC[@]}" no-link-data --deadline 5 $(specs "${all[@]}") || ok=1
  # Accepting again, then dropped from DNS while it still accepts, at a moment when a dial is in
  # its handshake there: every pod forgets the address, the one whose dial was in flight too (it
  # used to re-dial it for ever, with no source). Bound: a lookup (1.2 s), then the dial in flight
  # ends (handshake-timeout 5 s); +5 s for load.
  gray_start || return 1
  must "${SC[@]}" link --deadline $((BACKOFF_MAX + CONNECT_TIMEOUT + HANDSHAKE_TIMEOUT + 5)) --addr "$addr" \
    --link no_hello $(specs "${all[@]}") || ok=1
  must "${SC[@]}" link --any --deadline $((BACKOFF_MAX + 5)) --addr "$addr" --link no_hello --state handshaking \
    $(specs "${all[@]}") || ok=1
  dns_remove gray
  unset "POD_IP[gray]"
  check "${SC[@]}" link --deadline $((HANDSHAKE_TIMEOUT + 7)) --addr "$addr" --link gone $(specs "${all[@]}") || ok=1
  must "${SC[@]}" metric-is --deadline 2 --name p2p_link_problems_current --value 0 $(specs "${all[@]}") || ok=1
  must "${SC[@]}" no-link-data --deadline 2 $(specs "${all[@]}") || ok=1
  gray_stop
  note "$(tail -1 "$RUN/gray.log")"
  links1=$(py links $(specs "${all[@]}"))
  same "connections (peer id -> connectedSince, every pod)" "$links0" "$links1" || ok=1
  [ $ok = 0 ] && note "the mesh itself untouched"
  return $ok
}

s_hostile() {
  local v n_in r ok=0 all=("${LIVE[@]}") rest links0 links1 to0 to1 err0 hpid hlog=$RUN/hostile.log t0 limits
  read -r v n_in < <("${SC[@]}" victim $(specs "${all[@]}"))
  [ "${n_in:-0}" -ge 2 ] || { note "no pod has two inbound peers (best: $v, $n_in)"; return 1; }
  # The pod restarted during the attack: one of the victim's peers (the victim keeps its other inbound ones).
  for r in "${all[@]}"; do [ "$r" != "$v" ] && break; done
  note "victim $v ($n_in of its 9 peers came in through its sidecar, from $SIDECAR_SRC); $r restarted meanwhile"
  # The steady state of a mesh: no valid handshake from the shared address within ban-duration
  # (60 s, the default), so only the peers connected through it vouch for it.
  check "${SC[@]}" quiet-window --deadline $((BAN_DURATION + 40)) --seconds $((BAN_DURATION + 1)) $(specs "$v") || return 1
  rest=$(others "$r")
  links0=$(py links --ignore "${POD_ID[$r]}" $(specs $rest))
  to0=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs $rest))
  err0=$(py metric-sum --name p2p_protocol_errors_total $(specs "$v"))
  sampler_start "$RUN/samples/hostile" $rest
  ip netns exec "$OUT" "${SC[@]}" hostile --target "${POD_IP[$v]}:$PEER_PORT" --rounds 2 --garbage 10 --silent 100 \
    --hold $((HANDSHAKE_TIMEOUT + 7)) >"$hlog" 2>&1 9>&- &
  hpid=$!; track "$hpid"; EXTRA_PIDS+=("$hpid")
  # Once the stranger has reached the threshold (ban-offences, 3), a pod restarts (a new node id).
  must py metric-rise --deadline 20 --name p2p_protocol_errors_total --base "{\"$v\": $(awk -v e="$err0" 'BEGIN { print e + 2 }')}" \
    $(specs "$v") || ok=1
  restart_kill9 "$r" || return 1
  t0=$EPOCHREALTIME
  must py wait-ready --deadline 60 $(specs "$r") || ok=1
  node_ids "$r"
  # Bound: its dials go out at once; the others re-dial its address within dial-backoff-max (5 s)
  # of its start, + connect and handshake; 20 s for load.
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  note "$r (new node id) in the full mesh $(elapsed "$t0")s after its start, during the attack"
  pid_wait_exit "$hpid" 120 || { signal KILL "$hpid"; note "hostile client still running after 120 s"; ok=1; }
  [ "$EXIT_CODE" = 0 ] || { note "the node left open a connection it should have closed (hostile exit $EXIT_CODE)"; ok=1; }
  note "stranger: $(tail -1 "$hlog")"
  sampler_stop
  must py samples "$RUN/samples/hostile" --min $((${#all[@]} - 1)) || ok=1
  links1=$(py links --ignore "${POD_ID[$r]},$OLD_ID" $(specs $rest))
  to1=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs $rest))
  same "connections among the others (peer id -> connectedSince)" "$links0" "$links1" || ok=1
  same "p2p_peer_timeouts_total per pod" "$to0" "$to1" || ok=1
  [ $ok = 0 ] && note "no legitimate peer lost a connection"
  # Behind one address the stranger only loses its own connections: the address is never refused
  # while peers are connected through it, so no connection is turned away for cooling off.
  check "${SC[@]}" metric-is --deadline 0 --name p2p_limits_total --match 'limit="cooling_off"' --value 0 $(specs "${LIVE[@]}") || ok=1
  limits=$(curl -fsS -m 2 "http://${POD_IP[$v]}:$HTTP_PORT$METRICS_PATH" | awk '/^p2p_(limits|protocol_errors)_total\{/ && $2 > 0 { sub(/,?pod="[^"]*"/, ""); printf "%s%s %s", sep, $1, $2; sep = ", " }')
  note "$v counted: $limits"
  # The attack came through the sidecar: the node logged the stranger's connections from 127.0.0.6.
  if grep -q "protocol error.*$SIDECAR_SRC\|$SIDECAR_SRC.*protocol error" "$RUN/pods/$v.${POD_GEN[$v]}.log"; then
    note "its log names the stranger's connections as coming from $SIDECAR_SRC"
  else
    note "MISSING: no protocol error from $SIDECAR_SRC in $v's log"; ok=1
  fi
  check "${SC[@]}" paths --deadline 5 --net "$NET." --source "$SIDECAR_SRC" $(specs "${LIVE[@]}") || ok=1
  return $ok
}

PAUSE_BACK=
s_pause() {
  local v=${LIVE[${#LIVE[@]} / 2]} ok=0 rest pid t0 vid
  rest=$(others "$v"); pid=${POD_PID[$v]}; vid=${POD_ID[$v]:-unknown}
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  t0=$EPOCHREALTIME
  signal STOP "$pid"
  # Bound: ping-timeout 3 s + ping-interval 1 s, plus 3 s of slack for a loaded 2-core machine. Its
  # sidecar keeps accepting meanwhile (a container of its own): re-dials reach a kernel that
  # completes the connect for a process that cannot answer.
  must py dropped --deadline 7 --id "$vid" $(specs $rest) || ok=1
  note "$v paused (SIGSTOP): dropped by all after $(elapsed "$t0")s"
  signal CONT "$pid"
  t0=$EPOCHREALTIME
  # Back in both peer tables of every peer: each of them lists it and it lists each of them.
  # Bound: dial-backoff-max 5 s + connect 3 s + handshake 5 s + 1.2 s DNS + 5 s for load.
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  PAUSE_BACK=$(elapsed "$t0")
  note "SIGCONT: back in both peer tables of all $(wc -w <<<"$rest") peers ${PAUSE_BACK}s later"
  node_ids "$v"
  [ "${POD_ID[$v]:-}" = "$vid" ] && ! exited "$pid" || { note "RESTARTED: node id $vid -> ${POD_ID[$v]:-}"; ok=1; }
  must py wait-ready --deadline 5 $(specs "${LIVE[@]}") || ok=1
  # Dials its sidecar accepted while it was stopped were gray (no_hello) for a moment: all cleared.
  check "${SC[@]}" metric-is --deadline 15 --name p2p_link_problems_current --value 0 $(specs "${LIVE[@]}") || ok=1
  return $ok
}

s_one_way() {
  local a=${LIVE[1]} b=${LIVE[2]} ok=0 t0 addr_b
  addr_b=${POD_IP[$b]}:$PEER_PORT
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  # In b's namespace, before the sidecar's redirect (priority raw): SYNs from a to the peer port
  # are dropped. b -> a dials work, and so does every packet of an established connection.
  ip netns exec "$(pod_ns "$b")" nft -f - <<EOF || { note "cannot add the nft rule"; return 1; }
table ip pm_one_way {
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    ip saddr ${POD_IP[$a]} tcp dport $PEER_PORT tcp flags & (syn | ack) == syn drop
  }
}
EOF
  note "$b drops new connections from $a (SYN only)"
  # The existing a-b connection goes with a's process: kill -9 and a new process (a new node id),
  # whose dial to b times out while b's dial to it works.
  restart_kill9 "$a" || return 1
  t0=$EPOCHREALTIME
  must py wait-ready --deadline 60 $(specs "$a") || ok=1
  node_ids "$a"
  # Bound: a's dial times out (connect-timeout 3 s) and b dials a within dial-backoff-max (5 s),
  # or a probes b's address after b's dial came (3 s); 20 s for load.
  check "${SC[@]}" link --deadline 20 --addr "$addr_b" --link one_way --state connected $(specs "$a") || ok=1
  note "$a shows one_way $(elapsed "$t0")s after its start"
  check py ready-data --deadline 5 --status UP --want "link1=reachable one way only: node ${POD_ID[$b]} at $addr_b" \
    $(specs "$a") || ok=1
  must py metric-rise --deadline 5 --name p2p_link_problems_current --match 'problem="one_way"' $(specs "$a") || ok=1
  must py metric-rise --deadline 5 --name p2p_link_problems_total --match 'problem="one_way"' $(specs "$a") || ok=1
  # The pair is connected anyway, through the direction that works; b sees nothing wrong.
  check "${SC[@]}" peer-direction --deadline 5 --id "${POD_ID[$b]}" --want inbound $(specs "$a") || ok=1
  must "${SC[@]}" link --deadline 5 --addr "${POD_IP[$a]}:$PEER_PORT" --link none --state connected $(specs "$b") || ok=1
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  # Healed: the re-probe (every dial-backoff-max) connects. Bound: 5 s + a connect; +3 s for load.
  ip netns exec "$(pod_ns "$b")" nft delete table ip pm_one_way || { note "cannot remove the nft rule"; ok=1; }
  t0=$EPOCHREALTIME
  check "${SC[@]}" link --deadline $((BACKOFF_MAX + 3)) --addr "$addr_b" --link none --state connected $(specs "$a") || ok=1
  note "rule removed: one_way cleared $(elapsed "$t0")s later (re-probed every dial-backoff-max, ${BACKOFF_MAX}s)"
  must "${SC[@]}" metric-is --deadline 2 --name p2p_link_problems_current --value 0 $(specs "$a") || ok=1
  must "${SC[@]}" no-link-data --deadline 2 $(specs "$a") || ok=1
  must py mesh --deadline 5 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  return $ok
}

# ------------------------------------------------------------------------------------------- main
sim_boot
ns_make "$OUT" "$OUT_IP" pm-veth70 || die "cannot create the outside host's namespace"

if scenario "$PODS pods behind sidecars: full mesh" s_mesh; then
  scenario "gray listener (accepts, never answers): no_hello" s_gray
  scenario "hostile client behind the same sidecar" s_hostile
  scenario "pod paused past ping-timeout, resumed" s_pause
  scenario "asymmetric partition: one_way, healed" s_one_way
fi

summary
exit $SUMMARY_FAIL
