package dev.llmbudget.benchmarks.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs {@link LlmCallerApp} in child JVMs, the variants alternating within each round so a noisy
 * spell hits all of them, and prints Markdown tables of medians over the rounds.
 *
 * <pre>
 * ProcessHarness calls   AGENT_JAR ROUNDS WARMUP CALLS
 * ProcessHarness startup AGENT_JAR OTEL_JAR ROUNDS
 * </pre>
 */
public final class ProcessHarness {

  private ProcessHarness() {}

  /** A way to start the app: a name and the JVM options that make it so. */
  static final class Variant {
    final String name;
    final List<String> jvmOptions;

    Variant(String name, List<String> jvmOptions) {
      this.name = name;
      this.jvmOptions = jvmOptions;
    }
  }

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("llmbudget-harness");
    Variant none = new Variant("no agent", List.of());
    Variant ours = new Variant("llm-budget agent", List.of("-javaagent:" + args[1],
        "-Dllmbudget.store=local", "-Dllmbudget.store.path=" + dir.resolve("user_cost.json"),
        "-Dllmbudget.max_budget=1000000", "-Dllmbudget.user.max_budget=100000"));
    if (args[0].equals("calls")) {
      calls(List.of(none, ours), Integer.parseInt(args[2]), args[3], args[4]);
    } else {
      Variant otel = new Variant("OpenTelemetry agent", List.of("-javaagent:" + args[2],
          "-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none"));
      startup(List.of(none, ours, otel), Integer.parseInt(args[3]));
    }
  }

  /** Per case and variant, one value per round, in round order. */
  private static void calls(List<Variant> variants, int rounds, String warmup, String calls) throws Exception {
    Map<String, Map<String, List<double[]>>> byCase = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (Variant v : rotated(variants, round)) {
        for (String line : run(v, "calls", warmup, calls)) {
          if (line.startsWith("CASE ")) {
            Map<String, String> f = fields(line);
            byCase.computeIfAbsent(line.split(" ")[1], k -> new LinkedHashMap<>())
                .computeIfAbsent(v.name, k -> new ArrayList<>())
                .add(new double[] {Double.parseDouble(f.get("medianNs")) / 1000,
                    Double.parseDouble(f.get("p99Ns")) / 1000, Double.parseDouble(f.get("allocBytesPerCall"))});
          }
        }
      }
      System.err.println("calls: round " + (round + 1) + " of " + rounds + " done");
    }
    String base = variants.get(0).name;
    String agent = variants.get(1).name;
    System.out.println("| Case | Calls/round | " + base + ": median / p99 µs | " + agent
        + ": median / p99 µs | Added median µs (rounds) | Added p99 µs | Added alloc B/call |");
    System.out.println("|---|---:|---:|---:|---|---:|---:|");
    for (Map.Entry<String, Map<String, List<double[]>>> c : byCase.entrySet()) {
      List<double[]> b = c.getValue().get(base);
      List<double[]> a = c.getValue().get(agent);
      List<Double> addedMedian = new ArrayList<>();
      List<Double> addedP99 = new ArrayList<>();
      List<Double> addedAlloc = new ArrayList<>();
      for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
        addedMedian.add(a.get(i)[0] - b.get(i)[0]);
        addedP99.add(a.get(i)[1] - b.get(i)[1]);
        addedAlloc.add(a.get(i)[2] - b.get(i)[2]);
      }
      System.out.printf(Locale.ROOT, "| %s | %s | %.1f / %.1f | %.1f / %.1f | **%.1f** (%s) | %.1f | %.0f |%n",
          c.getKey(), c.getKey().startsWith("short") ? calls : "max(50, " + calls + "/10)",
          median(col(b, 0)), median(col(b, 1)), median(col(a, 0)), median(col(a, 1)),
          median(addedMedian), join(addedMedian), median(addedP99), median(addedAlloc));
    }
  }

  private static void startup(List<Variant> variants, int rounds) throws Exception {
    Map<String, List<double[]>> byVariant = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (Variant v : rotated(variants, round)) {
        java.time.Instant launched = java.time.Instant.now();
        List<String> out = run(v, "startup");
        Map<String, String> f = fields(out.stream().filter(l -> l.startsWith("STARTUP ")).findFirst()
            .orElseThrow(() -> new IllegalStateException(v.name + " printed no STARTUP line: " + out)));
        // From the launch to the app's first answer: not the GC it forces afterwards, nor its exit.
        double wallMs = (Long.parseLong(f.get("firstAnswerEpochUs"))
            - (launched.getEpochSecond() * 1_000_000 + launched.getNano() / 1_000)) / 1e3;
        byVariant.computeIfAbsent(v.name, k -> new ArrayList<>()).add(new double[] {wallMs,
            Double.parseDouble(f.get("peakRssKb")) / 1024, Double.parseDouble(f.get("heapAfterGcBytes")) / (1024 * 1024)});
      }
      System.err.println("startup: round " + (round + 1) + " of " + rounds + " done");
    }
    List<double[]> base = byVariant.get(variants.get(0).name);
    System.out.println("| Variant | Launch to first answer, ms, median (rounds) | Added ms | Peak RSS MB | Added RSS MB | Heap after GC MB | Added heap MB |");
    System.out.println("|---|---|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, List<double[]>> e : byVariant.entrySet()) {
      List<double[]> v = e.getValue();
      List<Double> addedMs = new ArrayList<>();
      for (int i = 0; i < Math.min(v.size(), base.size()); i++) {
        addedMs.add(v.get(i)[0] - base.get(i)[0]);
      }
      System.out.printf(Locale.ROOT, "| %s | %.0f (%s) | %.0f | %.1f | %.1f | %.1f | %.1f |%n", e.getKey(),
          median(col(v, 0)), join(col(v, 0)), median(addedMs), median(col(v, 1)),
          median(col(v, 1)) - median(col(base, 1)), median(col(v, 2)), median(col(v, 2)) - median(col(base, 2)));
    }
  }

  /** Round r starts with variant r mod n, so no variant always runs first (or right after another). */
  private static List<Variant> rotated(List<Variant> variants, int round) {
    List<Variant> order = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      order.add(variants.get((round + i) % variants.size()));
    }
    return order;
  }

  private static List<String> run(Variant v, String... appArgs) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The JDK's HttpServer under the fake LLM server leaves Nagle on by default; against the
    // client's delayed ACK that adds ~40 ms to every loopback call and hides microseconds.
    command.add("-Dsun.net.httpserver.nodelay=true");
    command.addAll(v.jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LlmCallerApp.class.getName());
    command.addAll(List.of(appArgs));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        lines.add(line);
      }
    }
    if (p.waitFor() != 0) {
      throw new IllegalStateException(v.name + " exited with " + p.exitValue() + ": " + String.join("\n", lines));
    }
    return lines;
  }

  private static Map<String, String> fields(String line) {
    Map<String, String> f = new LinkedHashMap<>();
    for (String part : line.split(" ")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        f.put(part.substring(0, eq), part.substring(eq + 1));
      }
    }
    return f;
  }

  private static List<Double> col(List<double[]> rows, int i) {
    List<Double> c = new ArrayList<>();
    rows.forEach(r -> c.add(r[i]));
    return c;
  }

  private static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String join(List<Double> values) {
    StringBuilder b = new StringBuilder();
    for (double d : values) {
      b.append(b.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT, "%.1f", d));
    }
    return b.toString();
  }
}
