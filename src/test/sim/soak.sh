#!/usr/bin/env bash
# Soak: 10 pods of the simulated cluster (lib.sh) under a random fault every few seconds for
# SOAK_SECONDS: kill -9 and restart, SIGTERM and restart, SIGSTOP shorter than the ping timeout
# (must not be dropped) and longer (must be dropped, then rejoin), partition and heal, the DNS
# server down and up. After each fault's recovery point the mesh must be full again (every pod
# lists exactly every other live pod) within a bound derived from the configuration; at the end,
# every process that lived through the whole soak must hold what it held at the start (file
# descriptors, threads, heap after a full GC, peer sockets, timer-driven activity).
# See README.md, "Faults and soak". Run as root: bash src/test/sim/soak.sh
#
# Settings (environment): SOAK_SECONDS (180: faults start for that long; the documented long run
# is 600), SOAK_SEED (printed; the same seed replays the same faults), SOAK_MAX_FAULTS (SOAK_SECONDS/2),
# SOAK_PODS (10, 6..16), SOAK_LONG_LIVED (4: peermesh-0.. never killed or restarted),
# SIM_TIMEOUT (SOAK_SECONDS + 540, the whole run), SIM_KEEP_RUNS.
# Traffic goes only to loopback and to 10.213.0.0/24 inside namespaces this script creates.
set -uo pipefail

SIM_NAME=soak.sh RUN_PREFIX=soak WITH_PROMETHEUS=0
PODS=${SOAK_PODS:-10}
SOAK_SECONDS=${SOAK_SECONDS:-180}
MAX_FAULTS=${SOAK_MAX_FAULTS:-$((SOAK_SECONDS / 2))}
SEED=${SOAK_SEED:-$(( $(date +%s%N) / 1000 % 1000000000 ))}
LONG_LIVED=${SOAK_LONG_LIVED:-4}
TIMEOUT=${SIM_TIMEOUT:-$((SOAK_SECONDS + 540))}
START_DEADLINE=180   # 10 JVMs starting at once on 2 cores
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for v in SOAK_SECONDS MAX_FAULTS SEED LONG_LIVED; do [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number"; done
sim_preflight SOAK_PODS 6 16
[ "$LONG_LIVED" -ge 1 ] && [ "$LONG_LIVED" -lt "$PODS" ] || die "SOAK_LONG_LIVED must be 1..SOAK_PODS-1"

# The simulation's timings (sim.py SIM_OVERRIDES) and the defaults the StatefulSet keeps (README).
PING_INTERVAL=1 PING_TIMEOUT=3 DNS_INTERVAL=1 BACKOFF_MAX=30 CONNECT_TIMEOUT=3 HANDSHAKE_TIMEOUT=5
# Recovery bound, from the recovery point (process up, resumed, healed, DNS back) to a full mesh:
# a dead connection is noticed within ping-timeout + ping-interval; the lost peer is re-dialled at
# the latest when its backoff (capped at dial-backoff-max) expires, and DNS offers every address
# within 1.2 x dns-interval; that dial may still fail on connect-timeout or handshake-timeout once
# if it raced the recovery; plus 5 s of margin for a loaded 2-core machine.
BOUND=$(awk -v t=$PING_TIMEOUT -v i=$PING_INTERVAL -v b=$BACKOFF_MAX -v c=$CONNECT_TIMEOUT -v h=$HANDSHAKE_TIMEOUT \
  -v d=$DNS_INTERVAL 'BEGIN { printf "%.0f", t + i + b + c + h + 1.2 * d + 5 }')
STARTUP_BOUND=60                                   # a new process answers /node (JVM start, loaded machine)
DROP_BOUND=$((PING_TIMEOUT + PING_INTERVAL + 3))   # every peer dropped a silent pod (3 s slack, as cluster.sh)
# Activity ceilings (a leaked timer shows as more): two pings per peer per interval (the round's
# and its follow-up, p2p.ping-follow-up), one lookup per 0.8 x dns-interval at the most, each with
# 30% for counting over a window.
PING_MAX=$(awk -v i=$PING_INTERVAL 'BEGIN { print 2 * 1.3 / i }')
DNS_MAX=$(awk -v d=$DNS_INTERVAL 'BEGIN { print 1.3 / (0.8 * d) }')
FAULTFY=(python3 "$SIM_DIR/faults.py")
DEAD_IDS=
RECORDS=$RUN/records.txt

# ------------------------------------------------------------------------------------------ faults
# fault_<kind> pod hold: does the fault and undoes it; sets REC_T0, the recovery point. Then the
# mesh must be full within BOUND; then after_<kind>, where there is one, checks what else must hold.
# Each returns non-zero when one of its assertions failed (and says why with note).

restart_pod() { # pod signal expected-exit: the process ends, a new one starts in the same namespace
  local v=$1 old=${POD_ID[$1]:-unknown} t0 ok=0
  signal "$2" "${POD_PID[$v]}"
  pod_wait_exit "$v" 25 || { note "$v still running 25 s after SIG$2"; return 1; }
  [ "$EXIT_CODE" = "$3" ] || { note "$v exited $EXIT_CODE after SIG$2 (want $3)"; ok=1; }
  DEAD_IDS+="${DEAD_IDS:+,}$old"
  # kill -9: the kernel resets its connections; SIGTERM: it says bye. Either way at once.
  must py dropped --deadline 10 --id "$old" $(specs $(others "$v")) || ok=1
  t0=$EPOCHREALTIME
  pod_start "$v"
  if run_quiet py nodeid --deadline $STARTUP_BOUND $(specs "$v"); then
    POD_ID[$v]=$(awk '{ print $2 }' "$RUN/check.out")
    note "new process up in $(elapsed "$t0")s"
  else
    note "new process did not answer /node within ${STARTUP_BOUND}s"; ok=1
  fi
  [ "${POD_ID[$v]}" != "$old" ] || { note "SAME node id after a restart"; ok=1; }
  REC_T0=$EPOCHREALTIME
  return $ok
}
fault_kill9() { restart_pod "$1" KILL 137; }
fault_restart() { restart_pod "$1" TERM 143; }

unchanged_before() { # what no fault may change unless it drops someone: every connection, every timeout count
  # Right after a restart the mesh is full before it is settled: a crossing dial of the new process
  # can still replace a registered connection within its 2-3 s window (the soak saw one 0.7 s after
  # the full mesh). So the baseline is taken once two reads 1.5 s apart agree (at most 10 tries).
  local again tries=0
  LINKS0=$(py links $(specs "${LIVE[@]}"))
  while [ $tries -lt 10 ]; do
    sleep 1.5
    again=$(py links $(specs "${LIVE[@]}"))
    [ "$again" = "$LINKS0" ] && break
    LINKS0=$again; tries=$((tries + 1))
  done
  [ $tries -lt 10 ] || note "connections still changing after 10 reads; baseline is the last"
  TO0=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs "${LIVE[@]}"))
}
unchanged_after() { # what: nobody was dropped since unchanged_before
  local links1 to1 ok=0
  links1=$(py links $(specs "${LIVE[@]}")); to1=$(py metric-sum --per-pod --name p2p_peer_timeouts_total $(specs "${LIVE[@]}"))
  [ "$LINKS0" = "$links1" ] || { note "DROPPED $1: connections changed: before $LINKS0; after $links1"; ok=1; }
  [ "$TO0" = "$to1" ] || { note "DROPPED $1: p2p_peer_timeouts_total $TO0 -> $to1"; ok=1; }
  [ $ok = 1 ] || note "nobody dropped $1"
  return $ok
}

fault_stop-short() { # pod hold: paused below ping-timeout - ping-interval: nobody may drop it
  local t0
  unchanged_before
  t0=$EPOCHREALTIME
  signal STOP "${POD_PID[$1]}"; sleep "$2"; signal CONT "${POD_PID[$1]}"
  REC_T0=$EPOCHREALTIME
  note "paused $(elapsed "$t0")s"
}
after_stop-short() {
  local ok=0
  # Once every connection answered a ping sent after the resume, no ping from before it is still in
  # flight: a drop caused by the pause can only have happened already, and would show below.
  must py fresh-pongs --deadline 15 --since "$(awk -v b="$REC_T0" -v i=$PING_INTERVAL 'BEGIN { printf "%.3f", b + i }')" \
    $(specs "${LIVE[@]}") || ok=1
  unchanged_after "during the pause" || ok=1
  return $ok
}

fault_stop-long() { # pod: paused until every peer dropped it
  local v=$1 ok=0 t0=$EPOCHREALTIME
  signal STOP "${POD_PID[$v]}"
  must py dropped --deadline $DROP_BOUND --id "${POD_ID[$v]:-unknown}" $(specs $(others "$v")) || ok=1
  note "dropped by all after $(elapsed "$t0")s"
  signal CONT "${POD_PID[$v]}"
  REC_T0=$EPOCHREALTIME
  return $ok
}

fault_partition() { # pod: cut off from every pod until every peer dropped it
  local v=$1 ok=0 t0=$EPOCHREALTIME
  partition "$v" add
  must py dropped --deadline $DROP_BOUND --id "${POD_ID[$v]:-unknown}" $(specs $(others "$v")) || ok=1
  note "dropped by all after $(elapsed "$t0")s"
  partition "$v" del
  REC_T0=$EPOCHREALTIME
  return $ok
}

fault_dns() { # - hold: dnsmasq stopped: lookups fail on every pod, readiness stays UP; then back
  local ok=0 failed0
  unchanged_before
  failed0=$(py metric-sum --per-pod --name p2p_discovery_lookups_total --match 'result="failed"' $(specs "${LIVE[@]}"))
  stop_dnsmasq
  must py metric-rise --deadline 10 --name p2p_discovery_lookups_total --match 'result="failed"' --base "$failed0" \
    $(specs "${LIVE[@]}") || ok=1
  must py ready-data --deadline 5 --status UP --want dns=failed $(specs "${LIVE[@]}") || ok=1
  sleep "$2"   # the rest of the outage (its length is from the plan): not a wait for an outcome
  OK0=$(py metric-sum --per-pod --name p2p_discovery_lookups_total --match 'result="ok"' $(specs "${LIVE[@]}"))
  start_dnsmasq
  REC_T0=$EPOCHREALTIME
  return $ok
}
after_dns() {
  local ok=0
  must py metric-rise --deadline 10 --name p2p_discovery_lookups_total --match 'result="ok"' --base "$OK0" \
    $(specs "${LIVE[@]}") || ok=1
  unchanged_after "while DNS was down" || ok=1
  return $ok
}

# One fault, its recovery and its checks; sets REC (seconds from the recovery point to a full mesh, or -).
fault() { # kind pod hold
  local ok=0
  "fault_$1" "$2" "$3" || ok=1
  if run_quiet py mesh --deadline "$BOUND" --dead "$DEAD_IDS" $(specs "${LIVE[@]}"); then
    REC=$(elapsed "$REC_T0")
  else
    REC=-; ok=1; note "mesh not full ${BOUND}s after the recovery point: $(tail -1 "$RUN/check.out" | cut -c1-600)"
  fi
  if declare -F "after_$1" >/dev/null; then "after_$1" "$2" || ok=1; fi
  return $ok
}

# ------------------------------------------------------------------------------- leaks and rates
snapshot() { # file: what every live process holds, after the mesh is full (no process paused)
  local p
  : >"$1"
  for p in "${LIVE[@]}"; do
    "${FAULTFY[@]}" snapshot --pod "$p" --pid "${POD_PID[$p]}" --peer-port "$PEER_PORT" --http-port "$HTTP_PORT" >>"$1" \
      || { note "cannot take a snapshot of $p: $(tail -1 "$1")"; return 1; }
  done
}
rates() { # phase: pings sent per peer and DNS lookups, per second, over the same 10 s of steady state
  local a b
  py metric-rate --window 10 --per $((PODS - 1)) --name p2p_messages_sent_total --match 'msgtype="ping"' \
    $(specs "${LIVE[@]}") >"$RUN/rate-ping.json" 9>&- & a=$!
  py metric-rate --window 10 --name p2p_discovery_lookups_total $(specs "${LIVE[@]}") >"$RUN/rate-dns.json" 9>&- & b=$!
  wait $a; wait $b
  printf '"%s": {"ping": %s, "dns": %s}' "$1" "$(cat "$RUN/rate-ping.json")" "$(cat "$RUN/rate-dns.json")"
}

s_baseline() {
  # Warm-up: every kind of fault once on a pod that is not measured, so that what is created on
  # first use (classes, pooled threads, selectors) exists before the baseline.
  local kind ok=0
  for kind in stop-short stop-long partition dns kill9; do
    case $kind in
      dns) fault dns - 3 || ok=1 ;;
      *) fault "$kind" "peermesh-$((PODS - 1))" 1.5 || ok=1 ;;
    esac
    [ "$REC" != - ] || break
  done
  note "warm-up: one fault of each kind on peermesh-$((PODS - 1)) and the DNS"
  [ $ok = 0 ] || return 1
  must py wait-ready --deadline 20 $(specs "${LIVE[@]}") || return 1
  snapshot "$RUN/leaks-start.jsonl" || return 1
  RATES_START=$(rates start)
  note "baseline of ${#LIVE[@]} processes: fds, threads, heap after full GC, pings and lookups per second"
}

s_soak() {
  local i kind pod hold gap t_end ok=0 fok res n=0
  "${FAULTFY[@]}" plan --seed "$SEED" --count "$MAX_FAULTS" --pods "$PODS" --long-lived "$LONG_LIVED" >"$RUN/plan.txt" \
    || { note "no plan"; return 1; }
  : >"$RECORDS"
  t_end=$(awk -v a="$EPOCHREALTIME" -v s="$SOAK_SECONDS" 'BEGIN { printf "%.3f", a + s }')
  while read -r -u 8 i kind pod hold gap; do
    awk -v a="$EPOCHREALTIME" -v e="$t_end" 'BEGIN { exit !(a < e) }' || break
    DETAIL=
    fok=0
    log "fault $i: $kind $pod$([ "$hold" = 0.00 ] || echo " for ${hold}s")"
    fault "$kind" "$pod" "$hold" || fok=1
    res=PASS; [ $fok = 0 ] || { res=FAIL; ok=1; }
    echo "$i $kind $pod $REC $res $DETAIL" >>"$RECORDS"
    log "  $res: full mesh ${REC}s after the recovery point; $DETAIL"
    n=$((n + 1))
    [ "$REC" != - ] || break    # a mesh that did not heal: what follows would say nothing more
    sleep "$gap"                # the plan's pause between faults
  done 8<"$RUN/plan.txt"
  DETAIL=
  note "$n faults in $(awk -v a="$t_end" -v s="$SOAK_SECONDS" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a + s }')s (seed $SEED)"
  echo
  "${FAULTFY[@]}" report --records "$RECORDS" --bound "$BOUND" || ok=1
  return $ok
}

s_leaks() {
  local ok=0
  must py mesh --deadline "$BOUND" --dead "$DEAD_IDS" $(specs "${LIVE[@]}") || return 1
  must py wait-ready --deadline 20 $(specs "${LIVE[@]}") || return 1
  snapshot "$RUN/leaks-end.jsonl" || return 1
  echo "{$RATES_START, $(rates end)}" >"$RUN/rates.json"
  echo
  "${FAULTFY[@]}" leaks --start "$RUN/leaks-start.jsonl" --end "$RUN/leaks-end.jsonl" --peers $((PODS - 1)) \
    --rates "$RUN/rates.json" --ping-max "$PING_MAX" --dns-max "$DNS_MAX" \
    --jars "$(find "$(dirname "$JAR")" -name '*.jar' | wc -l)" | tee "$RUN/leaks.txt" || ok=1
  note "$(tail -1 "$RUN/leaks.txt") (table above)"
  return $ok
}

# ------------------------------------------------------------------------------------------- main
echo "soak: ${SOAK_SECONDS}s of faults, at most $MAX_FAULTS, seed $SEED (replay: SOAK_SEED=$SEED SOAK_SECONDS=$SOAK_SECONDS)"
echo "  recovery bound ${BOUND}s = ping-timeout $PING_TIMEOUT + ping-interval $PING_INTERVAL + dial-backoff-max $BACKOFF_MAX" \
  "+ connect-timeout $CONNECT_TIMEOUT + handshake-timeout $HANDSHAKE_TIMEOUT + 1.2 x dns-interval $DNS_INTERVAL + 5 margin;" \
  "new process up within ${STARTUP_BOUND}s; a silent pod dropped within ${DROP_BOUND}s"
sim_boot

if scenario "all pods ready" s_start; then
  scenario "warm-up, then the baseline" s_baseline \
    && scenario "soak: random faults, mesh full within ${BOUND}s" s_soak
  scenario "no leak in the processes that lived through it" s_leaks
fi

summary
exit $SUMMARY_FAIL
