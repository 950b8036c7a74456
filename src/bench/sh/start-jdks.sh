#!/bin/bash
# Start to /q/health/ready UP with one running peer, CPU-seconds and RSS at that moment: the
# deployed JDK 17 command (AppCDS archive) against JDK 25 with an AOT cache (JEP 483/514/515) made
# here by the same training run (quarkus profile cds-training), and both without, alternating, 4 rounds. README
# "Process cost". Loopback ports 18190/18191 and 16190/16191; every process it starts it stops by PID.
# Usage: bash src/bench/sh/start-jdks.sh target/quarkus-app   (after ./mvnw package)
#        EXTRA=-Dp2p.rtt-warmup=0 bash src/bench/sh/start-jdks.sh target/quarkus-app
set -u
APP=$1; J17=java; J25=${J25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
cd "$APP"
if [ ! -s app.aot ]; then
  $J25 -XX:AOTCacheOutput=app.aot -XX:+UseSerialGC -Dquarkus.profile=cds-training -jar quarkus-run.jar > /tmp/aot-train.log 2>&1
  ls -la app.aot || exit 1
fi
$J17 -XX:SharedArchiveFile=app-cds.jsa -XX:+UseSerialGC -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=18190 \
  -Dp2p.host=127.0.0.1 -Dp2p.port=16190 -jar quarkus-run.jar > /tmp/aot-seed.log 2>&1 &
SEED=$!
trap 'kill $SEED 2>/dev/null' EXIT
for i in $(seq 1 100); do curl -sf localhost:18190/q/health/live >/dev/null && break; sleep 0.1; done
TCK=$(getconf CLK_TCK)
run() { # name, java, flags...
  local name=$1 j=$2; shift 2
  local t0=$(date +%s.%N)
  $j "$@" -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=18191 -Dp2p.host=127.0.0.1 -Dp2p.port=16191 \
     -Dp2p.bootstrap=127.0.0.1:16190 -jar quarkus-run.jar > /tmp/aot-run.log 2>&1 &
  local pid=$!
  local ready=""
  for k in $(seq 1 300); do
    if curl -sf localhost:18191/q/health/ready >/dev/null 2>&1; then ready=$(date +%s.%N); break; fi
    sleep 0.02
  done
  if [ -z "$ready" ]; then
    echo "$name not ready within 6 s (log: /tmp/aot-run.log)"; kill $pid; wait $pid 2>/dev/null; return
  fi
  local st=($(cut -d' ' -f14,15 /proc/$pid/stat))
  local rss=$(grep VmRSS /proc/$pid/status | awk '{print $2}')
  kill $pid; wait $pid 2>/dev/null
  echo "$name ready_s=$(echo "$ready - $t0" | bc) cpu_s=$(echo "(${st[0]}+${st[1]})/$TCK" | bc -l | cut -c1-5) rss_kib_at_ready=$rss"
}
EXTRA=${EXTRA:-}
for r in 1 2 3 4; do # the first round also fills the page cache
  run jdk17-appcds $J17 -XX:SharedArchiveFile=app-cds.jsa -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $EXTRA
  run jdk25-aot $J25 -XX:AOTCache=app.aot -XX:+UseSerialGC -XX:TieredStopAtLevel=1 $EXTRA
  run jdk25-plain $J25 -XX:+UseSerialGC $EXTRA
  run jdk17-plain $J17 $EXTRA
done
