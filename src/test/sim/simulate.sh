#!/usr/bin/env bash
# Runs a cluster of the real core in the simulator (README "Simulation"): virtual time, one seed,
# no sockets; prints how fast it ran and what it shows. Arguments go to io.peermesh.sim.SimMain:
#   --nodes N (100) --seconds S (60 virtual) --max-peers M (64) --max-known K (1000, the default)
#   --seed X (1) --spread-ms T (1000)
# SIM_HEAP sets the heap (default 14g: a 1,000-node full mesh holds a million connections).
set -euo pipefail
cd "$(dirname "$0")/../../.."
./mvnw -q -B test-compile
./mvnw -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/sim-classpath.txt >/dev/null
exec java -Xmx"${SIM_HEAP:-14g}" -XX:+UseParallelGC -cp "target/test-classes:target/classes:$(cat target/sim-classpath.txt)" \
  io.peermesh.sim.SimMain "$@"
