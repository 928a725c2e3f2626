package dev.llmbudget.internal;

import dev.llmbudget.internal.LogCapture;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.store.BudgetStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UserIdsTest {

  @Test
  void budgetKeysReadAsWordsInLogLines() {
    assertThat(UserIds.describe(new String[] {BudgetStore.GLOBAL_KEY, "alice"}))
        .isEqualTo("the global budget and user 'alice'");
    assertThat(UserIds.describe(new String[] {BudgetStore.GLOBAL_KEY})).isEqualTo("the global budget");
    assertThat(UserIds.describe(new String[] {"a", "b", "c"})).isEqualTo("user 'a', user 'b' and user 'c'");
  }

  @Test
  void leasesReadAsTheyAreConfigured() {
    assertThat(UserIds.describe(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(UserIds.describe(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(UserIds.describe(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(UserIds.describe(Duration.ofMillis(250))).isEqualTo("250ms");
  }
}
