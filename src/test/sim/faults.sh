#!/usr/bin/env bash
# Faults at process level, each with its expected recovery, asserted with deadlines, on the
# simulated cluster of cluster.sh (lib.sh: pods as network namespaces running the real jar, dnsmasq
# serving the headless Service): a pod stalled for less than the ping timeout, a second node whose
# peer (or HTTP) port is taken, the DNS server down while a pod is added, a pod restarted on the same
# address. kill -9, partition, a long SIGSTOP and a new address are cluster.sh's; the soak (soak.sh)
# mixes them all. See README.md, "Faults and soak". Run as root: bash src/test/sim/faults.sh
#
# Settings (environment): SIM_PODS (4, 3..8), SIM_TIMEOUT (480 s, the whole run), SIM_KEEP_RUNS.
# Traffic goes only to loopback and to 10.213.0.0/24 inside namespaces this script creates.
set -uo pipefail

SIM_NAME=faults.sh RUN_PREFIX=faults WITH_PROMETHEUS=0
PODS=${SIM_PODS:-4}
TIMEOUT=${SIM_TIMEOUT:-480}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
sim_preflight SIM_PODS 3 8

# The simulation's timings (sim.py SIM_OVERRIDES: ping-interval 1s, ping-timeout 3s, DNS every 1s).
PING_INTERVAL=1 PING_TIMEOUT=3
# A stall this long is shorter than ping-timeout - ping-interval, the README's bound below which a
# paused node is never dropped (in production, with 2s/6s, the same stall has 4 s of margin).
SHORT_STALL=2
DEAD_IDS=

f_stall_short() {
  local v=${LIVE[1]} ok=0 links0 links1 to0 to1 t0 t1
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  links0=$(py links $(specs "${LIVE[@]}")); to0=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs "${LIVE[@]}"))
  sampler_start "$RUN/samples/stall" $(others "$v")
  t0=$EPOCHREALTIME
  signal STOP "${POD_PID[$v]}"
  sleep "$SHORT_STALL"
  signal CONT "${POD_PID[$v]}"
  t1=$EPOCHREALTIME
  note "$v paused (SIGSTOP) for $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s"
  # Absence of a drop, shown causally instead of by waiting: once every connection has answered a
  # ping sent after the resume, no ping from before it is in flight, so none can still time out.
  check py fresh-pongs --deadline 15 --since "$(awk -v b="$t1" -v i=$PING_INTERVAL 'BEGIN { printf "%.3f", b + i }')" \
    $(specs "${LIVE[@]}") || ok=1
  sampler_stop
  links1=$(py links $(specs "${LIVE[@]}")); to1=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs "${LIVE[@]}"))
  same "connections (peer id -> connectedSince, every pod)" "$links0" "$links1" || ok=1
  same "p2p_peer_timeouts_total per pod" "$to0" "$to1" || ok=1
  [ $ok = 0 ] && note "nobody dropped it, it dropped nobody: every connection and every timeout count unchanged"
  must py samples "$RUN/samples/stall" --min $((${#LIVE[@]} - 1)) || ok=1
  must py wait-ready --deadline 5 $(specs "${LIVE[@]}") || ok=1
  return $ok
}

second_node() { # pod what VAR=value...: a second node in the pod's namespace; it must fail to start
  local v=$1 what=$2 pid log=$RUN/pods/second-$2.log; shift 2
  pod_exec "$v" "$log" "$@"
  pid=$!; track "$pid"; EXTRA_PIDS+=("$pid")
  # 60 s: a JVM start on a loaded 2-core machine with the pods running.
  if ! pid_wait_exit "$pid" 60; then
    signal KILL "$pid"; pid_wait_exit "$pid" 5
    note "second node ($what taken) still running after 60 s"; return 1
  fi
  SECOND_LOG=$log
  note "second node ($what taken) exited $EXIT_CODE"
  [ "$EXIT_CODE" != 0 ] || { note "UNEXPECTED exit code 0"; return 1; }
}

f_port_in_use() {
  local v=${LIVE[0]} ok=0 pid=${POD_PID[${LIVE[0]}]} links0 links1 msg hs0 hs1
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  links0=$(py links $(specs "${LIVE[@]}"))
  sampler_start "$RUN/samples/port" "${LIVE[@]}"
  # The peer port taken, its own HTTP port free: the start must fail on the peer port.
  if second_node "$v" "p2p.port $PEER_PORT" QUARKUS_HTTP_PORT=$((HTTP_PORT + 1)); then
    msg=$(grep -m1 -o "p2p.port $PEER_PORT is already in use[^\"]*" "$SECOND_LOG")
    if [ -n "$msg" ] && [[ "$msg" == *"P2P_PORT"* ]]; then note "log: ${msg:0:140}"; else
      note "MISSING log line naming p2p.port $PEER_PORT and P2P_PORT: $(grep -m2 -E 'ERROR|in use' "$SECOND_LOG" | cut -c1-300)"; ok=1; fi
  else ok=1; fi
  # The HTTP port taken, its own peer port free: the start must fail on the HTTP port.
  hs0=$(py metric-sum --name p2p_handshakes_total --match 'result="ok"' $(specs "${LIVE[@]}"))
  if second_node "$v" "HTTP $HTTP_PORT" P2P_PORT=$((PEER_PORT + 1)) P2P_ADVERTISE="${POD_IP[$v]}:$((PEER_PORT + 1))"; then
    msg=$(grep -m1 -o "[^ ]*[Pp]ort $HTTP_PORT[^\"]*in use[^\"]*" "$SECOND_LOG")
    if [ -n "$msg" ]; then note "log: ${msg:0:140}"; else
      note "MISSING log line naming port $HTTP_PORT: $(grep -m2 -E 'ERROR' "$SECOND_LOG" | cut -c1-300)"; ok=1; fi
    # Quarkus fires StartupEvent (which deploys the node) before it opens the HTTP server: the
    # doomed process's node listens, looks up DNS and may dial for a moment, then stops (with bye).
    # Reported, not failed: what must hold is that the running node and its mesh do not notice.
    if grep -q 'listening on' "$SECOND_LOG"; then
      hs1=$(py metric-sum --name p2p_handshakes_total --match 'result="ok"' $(specs "${LIVE[@]}"))
      note "NOTE: its peer node ran $(awk '/listening on/ { a = $1 } / stopped$/ { b = $1 } END { split(a, x, ":"); split(b, y, ":"); printf "%.2f", (y[1] * 3600 + y[2] * 60 + y[3]) - (x[1] * 3600 + x[2] * 60 + x[3]) }' "$SECOND_LOG")s before the HTTP port failed the start; handshakes with the running pods meanwhile: $(awk -v a="$hs0" -v b="$hs1" 'BEGIN { print b - a }')"
    fi
  else ok=1; fi
  sampler_stop
  exited "$pid" && { note "the running node EXITED"; ok=1; }
  must py samples "$RUN/samples/port" --min ${#LIVE[@]} || ok=1
  links1=$(py links $(specs "${LIVE[@]}"))
  same "connections (peer id -> connectedSince, every pod)" "$links0" "$links1" || ok=1
  check py mesh --deadline 5 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  [ $ok = 0 ] && note "the running node and its connections unaffected"
  return $ok
}

f_dns_down() {
  local ok=0 add=peermesh-$PODS links0 links1 to0 to1 failed0 ok0 t0 old=("${LIVE[@]}")
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  links0=$(py links $(specs "${old[@]}")); to0=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs "${old[@]}"))
  failed0=$(py metric-sum --per-pod --name p2p_discovery_lookups_total --match 'result="failed"' $(specs "${old[@]}"))
  sampler_start "$RUN/samples/dns" "${old[@]}"
  t0=$EPOCHREALTIME
  stop_dnsmasq
  note "dnsmasq stopped (pid)"
  # Every pod notices (a lookup every 1 s, each failing within dns-timeout 2 s) and says "failed",
  # never "empty": a dead server is not an empty Service (README, pain point 3).
  must py metric-rise --deadline 10 --name p2p_discovery_lookups_total --match 'result="failed"' --base "$failed0" \
    $(specs "${old[@]}") || ok=1
  check py ready-data --deadline 10 --status UP --want dns=failed $(specs "${old[@]}") || ok=1
  # A pod added while DNS is down (its record is in the Service, the server is not there to say so).
  POD_IP[$add]=$(free_ip)
  dns_add "$add"
  pod_create "$add" "${POD_IP[$add]}" || return 1
  check py ready-data --deadline 60 --status DOWN --want "reason=DNS failing" $(specs "$add") || ok=1
  # Back: the same records from a new process.
  t0=$EPOCHREALTIME
  ok0=$(py metric-sum --per-pod --name p2p_discovery_lookups_total --match 'result="ok"' $(specs "${LIVE[@]}"))
  start_dnsmasq
  note "dnsmasq started again"
  must py metric-rise --deadline 10 --name p2p_discovery_lookups_total --match 'result="ok"' --base "$ok0" \
    $(specs "${LIVE[@]}") || ok=1
  # Bound: a lookup within 1.2 s (dns-interval 1 s, +20% jitter), then one dial and hello exchange;
  # 15 s leaves room for a loaded machine.
  must py mesh --deadline 15 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  note "$add (added while DNS was down) in a full mesh $(elapsed "$t0")s after DNS came back"
  must py wait-ready --deadline 10 $(specs "${LIVE[@]}") || ok=1
  sampler_stop
  must py samples "$RUN/samples/dns" --min ${#old[@]} || ok=1
  node_ids "$add"
  links1=$(py links --ignore "${POD_ID[$add]:-unknown}" $(specs "${old[@]}"))
  to1=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs "${old[@]}"))
  same "connections among the pods that were there (peer id -> connectedSince)" "$links0" "$links1" || ok=1
  same "p2p_peer_timeouts_total per pod" "$to0" "$to1" || ok=1
  [ $ok = 0 ] && note "no pod dropped a peer or stopped being ready while DNS was down"
  # Back to N pods, gracefully.
  dns_remove "$add"
  pod_delete "$add" TERM
  DEAD_IDS+="${DEAD_IDS:+,}${POD_ID[$add]:-unknown}"
  check py mesh --deadline 15 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  return $ok
}

f_restart_same() {
  local v=${LIVE[2]} ok=0 old t0 rest
  rest=$(others "$v")
  must py mesh --deadline 20 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  old=${POD_ID[$v]:-unknown}
  signal KILL "${POD_PID[$v]}"
  pod_wait_exit "$v" 10 || { note "$v still running 10 s after kill -9"; return 1; }
  DEAD_IDS+="${DEAD_IDS:+,}$old"
  # Same namespace, same IP, same DNS record: only the process (and so the node id) is new.
  t0=$EPOCHREALTIME
  pod_start "$v"
  note "$v killed -9 (exit $EXIT_CODE) and started again at ${POD_IP[$v]}"
  must py wait-ready --deadline 60 $(specs "$v") || return 1
  note "ready $(elapsed "$t0")s after the start"
  node_ids "$v"
  [ "${POD_ID[$v]:-$old}" != "$old" ] || { note "SAME node id $old after a restart"; ok=1; }
  # Bound: the new node dials what DNS lists at once (lookup every 1.2 s at most) and the others
  # dial it back; the old id went with its connections (the kernel reset them). 15 s for a loaded machine.
  must py mesh --deadline 15 --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || ok=1
  check py dropped --deadline 1 --id "$old" $(specs $rest) || ok=1
  note "full mesh with the new id, old id gone everywhere, $(elapsed "$t0")s after the start"
  return $ok
}

# ------------------------------------------------------------------------------------------- main
sim_boot

if scenario "all pods ready" s_start; then
  scenario "stall of ${SHORT_STALL}s (< ping-timeout): nobody drops it" f_stall_short
  scenario "port already in use: second node exits, first fine" f_port_in_use
  scenario "DNS server down, pod added meanwhile, DNS back" f_dns_down
  scenario "restart on the same address (kill -9): new id" f_restart_same
fi

summary
exit $SUMMARY_FAIL
