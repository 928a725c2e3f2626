package dev.llmbudget.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds the JMH JSON results of several interleaved rounds into one Markdown table: per benchmark
 * and parameters, the median of every measured iteration of every round, their range, each
 * round's score with JMH's 99.9% error, and the bytes allocated per operation; then the targets
 * of issue 5 that these benchmarks can judge. Usage: {@code ResultsSummary round-1.json ...}.
 */
public final class ResultsSummary {

  private ResultsSummary() {}

  /** One benchmark with one set of parameters, over all rounds. */
  static final class Row {
    final String benchmark;
    final String params;
    final String unit;
    final List<Double> iterations = new ArrayList<>();
    final List<String> rounds = new ArrayList<>();
    final List<Double> allocPerOp = new ArrayList<>();

    Row(String benchmark, String params, String unit) {
      this.benchmark = benchmark;
      this.params = params;
      this.unit = unit;
    }

    double median() {
      return ResultsSummary.median(iterations);
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: ResultsSummary <jmh-result.json>...");
      System.exit(2);
    }
    Map<String, Row> rows = read(args);
    System.out.print(table(rows));
    System.out.println();
    System.out.print(targets(rows));
  }

  static Map<String, Row> read(String[] files) throws IOException {
    ObjectMapper json = new ObjectMapper();
    Map<String, Row> rows = new LinkedHashMap<>();
    for (String file : files) {
      for (JsonNode run : json.readTree(Path.of(file).toFile())) {
        if (run.path("mode").asText().equals("sample")) {
          continue; // latency distributions (AgentOverheadBenchmark): AgentOverheadSummary's table
        }
        String benchmark = run.path("benchmark").asText().replaceFirst("^.*\\.([^.]+\\.[^.]+)$", "$1");
        Map<String, String> sorted = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = run.path("params").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> p = it.next();
          sorted.put(p.getKey(), p.getValue().asText());
        }
        String params = sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
            .reduce((a, b) -> a + " " + b).orElse("");
        JsonNode primary = run.path("primaryMetric");
        Row row = rows.computeIfAbsent(benchmark + " " + params,
            k -> new Row(benchmark, params, primary.path("scoreUnit").asText()));
        for (JsonNode fork : primary.path("rawData")) {
          for (JsonNode iteration : fork) {
            row.iterations.add(iteration.asDouble());
          }
        }
        row.rounds.add(format(primary.path("score").asDouble()) + " ± "
            + format(primary.path("scoreError").asDouble()));
        JsonNode alloc = run.path("secondaryMetrics").path("gc.alloc.rate.norm");
        if (!alloc.isMissingNode()) {
          row.allocPerOp.add(alloc.path("score").asDouble());
        }
      }
    }
    return rows;
  }

  static String table(Map<String, Row> rows) {
    StringBuilder out = new StringBuilder();
    out.append("| Benchmark | Parameters | Median | Range of iterations | Score ± error per round | Unit | Alloc B/op |\n");
    out.append("|---|---|---:|---|---|---|---:|\n");
    for (Row r : rows.values()) {
      out.append("| ").append(r.benchmark)
          .append(" | ").append(r.params)
          .append(" | ").append(format(r.median()))
          .append(" | ").append(format(min(r.iterations))).append(" – ").append(format(max(r.iterations)))
          .append(" | ").append(String.join("; ", r.rounds))
          .append(" | ").append(r.unit)
          .append(" | ").append(r.allocPerOp.isEmpty() ? "n/a" : format(median(r.allocPerOp)))
          .append(" |\n");
    }
    return out.toString();
  }

  static String targets(Map<String, Row> rows) {
    StringBuilder out = new StringBuilder();
    out.append("| Target (issue 5) | Measured (median) | Met |\n|---|---:|---|\n");
    for (String scope : new String[] {"shared", "many"}) {
      target(out, rows, "StoreThroughputBenchmark.threads1 scope=" + scope + " store=memory",
          "memory store, 1 thread, " + scope + ": > 2,000,000 ops/s", 2_000_000);
      target(out, rows, "StoreThroughputBenchmark.threads8 scope=" + scope + " store=memory",
          "memory store, 8 threads, " + scope + ": > 1,000,000 ops/s in total", 1_000_000);
    }
    for (String size : new String[] {"1024", "10240", "102400", "1048576"}) {
      Row ample = rows.get("TokenCountingBenchmark.reserveForCallAmpleHeadroom promptBytes=" + size);
      Row count = rows.get("TokenCountingBenchmark.exactCount promptBytes=" + size);
      if (ample != null && count != null) {
        out.append("| ample headroom pays no full count, ").append(size).append(" B: reserveForCall < exactCount | ")
            .append(format(ample.median())).append(" vs ").append(format(count.median())).append(' ')
            .append(ample.unit).append(" | ").append(ample.median() < count.median() ? "yes" : "NO").append(" |\n");
      }
    }
    return out.toString();
  }

  private static void target(StringBuilder out, Map<String, Row> rows, String key, String what, double min) {
    Row r = rows.get(key);
    if (r != null) {
      out.append("| ").append(what).append(" | ").append(format(r.median())).append(' ').append(r.unit)
          .append(" | ").append(r.median() > min ? "yes" : "NO").append(" |\n");
    }
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static double min(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  /** Three significant digits at most, with thousands separators for the big throughputs. */
  static String format(double value) {
    if (Double.isNaN(value)) {
      return "NaN";
    }
    double abs = Math.abs(value);
    if (abs >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    if (abs >= 1) {
      return String.format(Locale.ROOT, "%.2f", value);
    }
    return String.format(Locale.ROOT, "%.3f", value);
  }
}
