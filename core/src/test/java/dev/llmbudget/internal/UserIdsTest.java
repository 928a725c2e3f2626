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

  @Test
  void wholeCharactersOutsideTheBmpAreFineOnlyLoneHalvesAreRefused() {
    assertThat(UserIds.problem("ann\uD83D\uDE00")).isNull();
    assertThat(UserIds.problem("\uD83D\uDE00\uD83D\uDE01")).isNull();
    assertThat(UserIds.problem("ann\uD83D\uD83D\uDE00")).contains("lone surrogate U+D83D at index 3");
    assertThat(UserIds.problem("ann\uDE00\uD83D")).contains("lone surrogate U+DE00 at index 3");
  }
}
