package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a shared store must never write a global limit the JVM was not told to set. */
class StoreRegistryTest {

  @TempDir
  Path dir;

  private Path sharedFile(String globalLimit) throws Exception {
    Path file = dir.resolve("user_cost.json");
    Files.writeString(file, "{\"$global\": {\"total_budget\": " + globalLimit + ", \"current_cost\": 0.001},"
        + " \"alice\": {\"total_budget\": 1, \"current_cost\": 0.5}}");
    return file;
  }

  private static BudgetStore open(Path file, Map<String, String> more) {
    Map<String, String> values = new java.util.HashMap<>(more);
    values.put("llmbudget.store.path", file.toString());
    values.put("llmbudget.store.flush_interval", "50ms");
    BudgetConfig cfg = BudgetConfig.of(values);
    return StoreRegistry.open(cfg.store(), cfg.project(), cfg.apiBase(), cfg);
  }

  @Test
  void aReaderWithoutMaxBudgetKeepsTheLimitOthersSet() throws Exception {
    Path file = sharedFile("0.003");

    // Closed at the end: its flusher must not write into the temp directory JUnit is deleting.
    try (BudgetStore store = open(file, Map.of())) {
      store.charge(new String[] {BudgetStore.GLOBAL_KEY}, 1, "gpt-4o", Instant.now());
      store.flush();

      assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, Instant.now()).orElseThrow().totalBudget())
          .isEqualByComparingTo("0.003");
      assertThat(Files.readString(file)).contains("\"total_budget\" : 0.003");
    }
  }

  @Test
  void anExplicitMaxBudgetReplacesADifferentLimitTheLastSettingWins() throws Exception {
    Path file = sharedFile("0.003");

    try (BudgetStore store = open(file, Map.of("llmbudget.max_budget", "0.01"))) {
      store.flush();

      assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, Instant.now()).orElseThrow().totalBudget())
          .isEqualByComparingTo("0.01");
      assertThat(Files.readString(file)).contains("0.01").doesNotContain("0.003");
    }
  }
}
