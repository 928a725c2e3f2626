#!/usr/bin/env bash
# Builds benchmarks.jar and runs the whole JMH suite in interleaved rounds, then prints the table
# that BENCHMARKS.md quotes. Each round is one fork of every benchmark, so two rounds give two
# forks per benchmark, taken minutes apart rather than back to back: a slow spell of a noisy
# machine then shows as spread between rounds instead of skewing one side of a comparison.
#
#   benchmarks/run.sh                      # the full suite, about 20 minutes on 2 cores
#   ROUNDS=1 benchmarks/run.sh Token       # one round of the benchmarks matching a JMH regexp
#
# Environment: ROUNDS (2), WARMUP (3 iterations of 1 s), MEASURE (5 iterations of 1 s).
# Any arguments are passed to JMH (a benchmark regexp, -p promptBytes=1024, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-2}
warmup=${WARMUP:-3}
measure=${MEASURE:-5}
results=benchmarks/results
jar=benchmarks/target/benchmarks.jar

mvn -q -B -DskipTests -pl benchmarks -am package
mkdir -p "$results"
rm -f "$results"/round-*.json "$results"/round-*.txt

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
  java -version 2>&1 | sed 's/^/java: /'
  echo "jmh: -f 1 -wi $warmup -w 1s -i $measure -r 1s -prof gc, $rounds interleaved rounds; args: $*"
} | tee "$results/machine.txt"

for round in $(seq 1 "$rounds"); do
  # Other work on the machine is the main source of spread: record how busy it was.
  echo "round $round start $(date -u +%H:%M:%S) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/machine.txt"
  java -jar "$jar" -f 1 -wi "$warmup" -w 1s -i "$measure" -r 1s -prof gc \
    -rf json -rff "$results/round-$round.json" -o "$results/round-$round.txt" "$@"
  tail -n +"$(grep -n '^Benchmark .*Mode' "$results/round-$round.txt" | tail -1 | cut -d: -f1)" \
    "$results/round-$round.txt" | grep -v 'gc\.' || true
  echo "round $round end $(date -u +%H:%M:%S) loadavg $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/machine.txt"
done

jsons=()
for round in $(seq 1 "$rounds"); do jsons+=("$results/round-$round.json"); done
java -cp "$jar" dev.llmbudget.benchmarks.ResultsSummary "${jsons[@]}" | tee "$results/summary.md"
