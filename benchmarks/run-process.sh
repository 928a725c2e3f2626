#!/usr/bin/env bash
# Whole-process comparisons of issue 5 that JMH cannot make in one JVM: per-call overhead of the
# agent through the real openai-java client (no agent vs agent), and start-up to a first call
# done (no agent / llm-budget agent / OpenTelemetry Java agent with exporters off). Variants
# alternate within each round; tables of medians go to benchmarks/results/process-*.md.
#
#   benchmarks/run-process.sh            # ~10 minutes on a busy 2-core machine
#
# Environment: ROUNDS (3), WARMUP (200 calls per case), CALLS (500 short calls per case; long
# prompts make a tenth, at least 50), OTEL_VERSION (2.20.1).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-3}
warmup=${WARMUP:-200}
calls=${CALLS:-500}
otel_version=${OTEL_VERSION:-2.20.1}
results=benchmarks/results
jar=benchmarks/target/benchmarks.jar
agent=agent/target/llm-budget-agent.jar
otel=benchmarks/target/otel/opentelemetry-javaagent-$otel_version.jar

mvn -q -B -DskipTests -pl agent,benchmarks -am package
[ -f "$otel" ] || mvn -q -B dependency:copy \
  -Dartifact="io.opentelemetry.javaagent:opentelemetry-javaagent:$otel_version" \
  -DoutputDirectory=benchmarks/target/otel
mkdir -p "$results"

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "rounds=$rounds warmup=$warmup calls=$calls otel=$otel_version"
  echo "start loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$results/process-machine.txt"

java -cp "$jar" dev.llmbudget.benchmarks.process.ProcessHarness calls "$agent" "$rounds" "$warmup" "$calls" \
  | tee "$results/process-calls.md"
echo "after calls loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/process-machine.txt"
java -cp "$jar" dev.llmbudget.benchmarks.process.ProcessHarness startup "$agent" "$otel" "$rounds" \
  | tee "$results/process-startup.md"
echo "end loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/process-machine.txt"
