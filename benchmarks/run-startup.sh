#!/usr/bin/env bash
# Start-up cost of the agent, whole process (issue 14): the same app (an openai-java client making
# one call to a loopback fake, then exiting) started with no agent, with the llm-budget agent (local
# store, global and user budgets), with the agent and llmbudget.enabled=false, with an empty agent
# (a 1 KB jar whose premain does nothing: the floor any -javaagent costs, since the JVM then resolves
# java.instrument and drops CDS's archived module graph), with a hook agent (the empty agent plus one
# transformer that changes nothing: the floor of any agent that weaves classes as they load, since
# every class loaded after it, those from the CDS archive included, is then shown to it), and with
# the OpenTelemetry Java agent (exporters off). The variants alternate within each round, so a noisy
# spell hits all of them. Prints medians of the time from launching the JVM to the app's first
# answer (start-up plus the first call: issue 14's figure), of the whole process's wall time (which
# also holds the GC the app forces to read its heap, and the exit: the local store's exit flush is
# there), CPU (user+sys of the child JVM) and peak RSS (VmHWM, read by the app just before it exits), the added cost and the ratio to no agent, the CPU
# of the first call on the app's own thread (the part of it the agent adds is on the critical path;
# less load-sensitive than wall time), and the load average before and after. Under 5 minutes on a
# 2-core machine with the default 7 rounds.
#
#   benchmarks/run-startup.sh            # builds agent and benchmarks first
#
# Environment: ROUNDS (7), OTEL_VERSION (2.33.1; OTEL=0 leaves it out), BUILD=0 to skip the build,
# BASELINE_AGENT=<another llm-budget-agent.jar> adds it as one more variant (before/after a change),
# AGENT=<jar> measures that jar instead of agent/target's (a copy, so a rebuild cannot change it mid-run).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${ROUNDS:-7}
otel_version=${OTEL_VERSION:-2.33.1}
jar=benchmarks/target/benchmarks.jar
agent=${AGENT:-$PWD/agent/target/llm-budget-agent.jar}
otel=$PWD/benchmarks/target/otel/opentelemetry-javaagent-$otel_version.jar
results=benchmarks/results
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ "${BUILD:-1}" != 0 ]; then
  mvn -q -B -ntp -DskipTests -pl agent,benchmarks -am package
fi
# The floor: an agent that does nothing, built here so that it is the same JDK's.
jdk_bin=$(dirname "$(readlink -f "$(command -v java)")")
mkdir -p "$work/empty"
printf 'public final class EmptyAgent { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }\n' \
  >"$work/empty/EmptyAgent.java"
"$jdk_bin/javac" -d "$work/empty" "$work/empty/EmptyAgent.java"
printf 'Premain-Class: EmptyAgent\n' >"$work/empty/manifest"
"$jdk_bin/jar" cfm "$work/empty-agent.jar" "$work/empty/manifest" -C "$work/empty" EmptyAgent.class
printf '%s\n' 'public final class HookAgent implements java.lang.instrument.ClassFileTransformer {' \
  '  public static void premain(String a, java.lang.instrument.Instrumentation i) { i.addTransformer(new HookAgent(), true); }' \
  '  @Override public byte[] transform(ClassLoader l, String n, Class<?> c, java.security.ProtectionDomain d, byte[] b) { return null; }' \
  '}' >"$work/empty/HookAgent.java"
"$jdk_bin/javac" -d "$work/empty" "$work/empty/HookAgent.java"
printf 'Premain-Class: HookAgent\nCan-Retransform-Classes: true\n' >"$work/empty/hook-manifest"
"$jdk_bin/jar" cfm "$work/hook-agent.jar" "$work/empty/hook-manifest" -C "$work/empty" HookAgent.class
variants=(none empty hook agent disabled)
if [ -n "${BASELINE_AGENT:-}" ]; then variants+=(baseline); fi
if [ "${OTEL:-1}" != 0 ]; then
  [ -f "$otel" ] || mvn -q -B -ntp dependency:copy \
    -Dartifact="io.opentelemetry.javaagent:opentelemetry-javaagent:$otel_version" \
    -DoutputDirectory=benchmarks/target/otel || true
  if [ -f "$otel" ]; then variants+=(otel); else echo "no OpenTelemetry agent $otel_version; left out" >&2; fi
fi
mkdir -p "$results"

options() {
  case $1 in
    none) ;;
    agent) echo "-javaagent:$agent -Dllmbudget.store=local -Dllmbudget.store.path=$work/user_cost-$2.json" \
      "-Dllmbudget.max_budget=1000000 -Dllmbudget.user.max_budget=100000" ;;
    disabled) echo "-javaagent:$agent -Dllmbudget.enabled=false" ;;
    empty) echo "-javaagent:$work/empty-agent.jar" ;;
    hook) echo "-javaagent:$work/hook-agent.jar" ;;
    baseline) echo "-javaagent:$BASELINE_AGENT -Dllmbudget.store=local -Dllmbudget.store.path=$work/user_cost-b$2.json" \
      "-Dllmbudget.max_budget=1000000 -Dllmbudget.user.max_budget=100000" ;;
    otel) echo "-javaagent:$otel -Dotel.traces.exporter=none -Dotel.metrics.exporter=none -Dotel.logs.exporter=none" ;;
  esac
}

# One run: appends "variant wall_s cpu_s rss_mib first_call_cpu_ms first_answer_ms" to $work/runs.
# first_answer_ms is from the launch of the JVM to the moment the app has its first answer: start-up
# plus the first call, without the forced GC the app runs afterwards to read its heap (that GC alone
# swings by ~100 ms from one run to the next on two cores) and without the exit.
run() {
  local v=$1 r=$2 out launch
  TIMEFORMAT='%3R %3U %3S'
  launch=${EPOCHREALTIME/./}
  # The JDK's HttpServer under the fake leaves Nagle on; against delayed ACKs that costs ~40 ms a call.
  # shellcheck disable=SC2046
  { time java -Dsun.net.httpserver.nodelay=true $(options "$v" "$r") -cp "$jar" \
      dev.llmbudget.benchmarks.process.LlmCallerApp startup >"$work/out" 2>&1 ; } 2>"$work/time"
  out=$(grep '^STARTUP ' "$work/out") || { echo "$v printed no STARTUP line:" >&2; cat "$work/out" >&2; exit 1; }
  read -r wall user sys <"$work/time"
  rss=$(sed 's/.*peakRssKb=\([0-9]*\).*/\1/' <<<"$out")
  first=$(sed 's/.*firstCallThreadCpuMs=\([0-9]*\).*/\1/' <<<"$out")
  answered=$(sed 's/.*firstAnswerEpochUs=\([0-9]*\).*/\1/' <<<"$out")
  echo "$v $wall $(awk -v u="$user" -v s="$sys" 'BEGIN{printf "%.3f", u+s}') $(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}') $first $(((answered - launch) / 1000))" >>"$work/runs"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
n=${#variants[@]}
for ((r = 0; r < rounds; r++)); do
  for ((i = 0; i < n; i++)); do
    run "${variants[$(((r + i) % n))]}" "$r"
  done
  echo "round $((r + 1)) of $rounds done, load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

median() { # variant column
  awk -v v="$1" -v c="$2" '$1 == v {print $c}' "$work/runs" | sort -g \
    | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ) commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    "java: $(java -version 2>&1 | head -1) cpus: $(nproc) rounds: $rounds"
  echo "load average before: $load_before after: $load_after"
  echo
  echo "| Variant | Launch to first answer, ms | Added ms | Whole process, wall s | Added ms | × | CPU s | Added CPU s | × | Peak RSS MiB | Added MiB | × | First call, its thread's CPU ms | Added ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  bw=$(median none 2); bc=$(median none 3); bm=$(median none 4); bf=$(median none 5); ba=$(median none 6)
  for v in "${variants[@]}"; do
    w=$(median "$v" 2); c=$(median "$v" 3); m=$(median "$v" 4); f=$(median "$v" 5); a=$(median "$v" 6)
    case $v in none) name="no agent" ;; agent) name="llm-budget agent" ;;
      disabled) name="llm-budget, enabled=false" ;; empty) name="empty agent (any -javaagent's floor)" ;; hook) name="hook agent (any weaving agent's floor)" ;; baseline) name="baseline agent $BASELINE_AGENT" ;; otel) name="OpenTelemetry agent $otel_version" ;; esac
    awk -v n="$name" -v w="$w" -v c="$c" -v m="$m" -v f="$f" -v a="$a" -v bw="$bw" -v bc="$bc" -v bm="$bm" -v bf="$bf" -v ba="$ba" 'BEGIN {
      printf "| %s | %.0f | %+.0f | %.3f | %+.0f | %.2f | %.2f | %+.2f | %.2f | %.1f | %+.1f | %.2f | %.0f | %+.0f |\n",
        n, a, a - ba, w, (w - bw) * 1000, w / bw, c, c - bc, c / bc, m, m - bm, m / bm, f, f - bf }'
  done
  echo
  echo "Runs (variant wall_s cpu_s rss_mib first_call_cpu_ms first_answer_ms), in order:"
  sed 's/^/    /' "$work/runs"
} | tee "$results/startup.md"
