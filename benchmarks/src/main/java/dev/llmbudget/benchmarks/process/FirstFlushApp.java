package dev.llmbudget.benchmarks.process;

import dev.llmbudget.store.LocalFileStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The thread CPU and wall time of a fresh JVM's first flush of a new local store file: the work a
 * JVM does on its {@code llm-budget-flush} thread while its first LLM call is on the way (issue 14).
 * Uses only public API, so it runs against an older build too: {@code java -cp
 * <old llm-budget-agent.jar>:benchmarks/target/classes dev.llmbudget.benchmarks.process.FirstFlushApp}.
 */
public final class FirstFlushApp {

  private FirstFlushApp() {}

  public static void main(String[] args) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Path dir = Files.createTempDirectory("first-flush");
    Path file = dir.resolve("user_cost.json");
    LocalFileStore store = new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1));
    try {
      store.putBudget("$global", new BigDecimal("100"), null, Instant.now());
      store.charge(new String[] {"$global"}, 1_000_000L, "gpt-4o-mini", Instant.now());
      long cpu = threads.getCurrentThreadCpuTime();
      long wall = System.nanoTime();
      store.flush();
      System.out.printf("FIRSTFLUSH threadCpuMs=%.1f wallMs=%.1f%n",
          (threads.getCurrentThreadCpuTime() - cpu) / 1e6, (System.nanoTime() - wall) / 1e6);
    } finally {
      store.close();
      Files.deleteIfExists(file);
      try (var left = Files.list(dir)) {
        for (Path p : (Iterable<Path>) left::iterator) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }
}
