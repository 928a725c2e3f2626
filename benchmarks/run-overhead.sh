#!/usr/bin/env bash
# The agent's per-call overhead through openai-java under JMH (AgentOverheadBenchmark): one fork
# without and one with -javaagent per call type and transport (loopback: OkHttp to the testkit's
# server; recorded: its answers replayed in memory, no socket, so the agent's own share stands out
# of the socket's jitter), 3x2 s warm-up and 5x2 s measured, SampleTime (every call timed) with
# -prof gc, then the table of agent minus no-agent. About 6-8 minutes. FORKS=<n> runs n forks of
# each (a fork's median moves by tens of µs over loopback); TRANSPORT=loopback or recorded runs one.
#
#   benchmarks/run-overhead.sh
#
# Runs from the repository root: the agent fork's -javaagent path is relative to it.
set -euo pipefail
cd "$(dirname "$0")/.."
results=benchmarks/results
jar=benchmarks/target/benchmarks.jar

[ "${BUILD:-1}" = 0 ] || mvn -q -B -DskipTests -pl agent,benchmarks -am package
mkdir -p "$results"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  | tee "$results/overhead-machine.txt"
echo "start: $(uptime)" | tee -a "$results/overhead-machine.txt"
extra=()
[ -z "${FORKS:-}" ] || extra+=(-f "$FORKS")
[ -z "${TRANSPORT:-}" ] || extra+=(-p "transport=$TRANSPORT")
java -jar "$jar" 'AgentOverhead(NoAgent|WithAgent)Benchmark' -prof gc ${extra[@]+"${extra[@]}"} \
  -rf json -rff "$results/overhead.json" -o "$results/overhead.txt"
echo "end: $(uptime)" | tee -a "$results/overhead-machine.txt"
java -cp "$jar" dev.llmbudget.benchmarks.AgentOverheadSummary "$results/overhead.json" | tee "$results/overhead.md"
