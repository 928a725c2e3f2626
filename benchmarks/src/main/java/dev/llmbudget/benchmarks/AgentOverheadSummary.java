package dev.llmbudget.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a JMH JSON result of the {@link AgentOverheadBenchmark} pair and prints, per call, the
 * median, p99 and allocation without and with the agent and their differences: the headline.
 */
public final class AgentOverheadSummary {

  private AgentOverheadSummary() {}

  public static void main(String[] args) throws IOException {
    Map<String, JsonNode> none = new LinkedHashMap<>();
    Map<String, JsonNode> agent = new LinkedHashMap<>();
    for (JsonNode run : new ObjectMapper().readTree(Path.of(args[0]).toFile())) {
      String benchmark = run.path("benchmark").asText();
      String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
      String transport = run.path("params").path("transport").asText("");
      if (!transport.isEmpty()) {
        method += " (" + transport + ")";
      }
      if (benchmark.contains(".AgentOverheadNoAgentBenchmark.")) {
        none.put(method, run);
      } else if (benchmark.contains(".AgentOverheadWithAgentBenchmark.")) {
        agent.put(method, run);
      }
    }
    System.out.println("| Call | Samples none / agent | No agent: p50 / p99 µs | Agent: p50 / p99 µs"
        + " | Added p50 µs | Added p99 µs | Alloc B/call none / agent | Added alloc B/call |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String method : none.keySet()) {
      JsonNode a = agent.get(method);
      if (a == null) {
        continue;
      }
      JsonNode n = none.get(method);
      System.out.printf(Locale.ROOT, "| %s | %d / %d | %.1f / %.1f | %.1f / %.1f | **%+.1f** | %+.1f | %.0f / %.0f | **%+.0f** |%n",
          method, samples(n), samples(a), pct(n, "50.0"), pct(n, "99.0"), pct(a, "50.0"), pct(a, "99.0"),
          pct(a, "50.0") - pct(n, "50.0"), pct(a, "99.0") - pct(n, "99.0"), alloc(n), alloc(a), alloc(a) - alloc(n));
    }
  }

  private static double pct(JsonNode run, String percentile) {
    return run.path("primaryMetric").path("scorePercentiles").path(percentile).asDouble();
  }

  private static long samples(JsonNode run) {
    long count = 0;
    for (JsonNode fork : run.path("primaryMetric").path("rawDataHistogram")) {
      for (JsonNode iteration : fork) {
        for (JsonNode bucket : iteration) {
          count += bucket.path(1).asLong();
        }
      }
    }
    return count;
  }

  private static double alloc(JsonNode run) {
    return run.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(Double.NaN);
  }
}
