package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.MDC;

/** User ids come from headers and user names: none may name the global budget or carry junk. */
class UserIdTest {

  @AfterEach
  void clearMdc() {
    MDC.clear();
  }

  static Stream<Arguments> badIds() {
    return Stream.of(
        Arguments.of("$global", "names the global budget"),
        Arguments.of("", "non-blank"),
        Arguments.of("   ", "non-blank"),
        Arguments.of("x".repeat(257), "257 characters long; at most 256"),
        Arguments.of("alice\nadmin", "control character U+000A at index 5"),
        Arguments.of("bob\u0000", "control character U+0000"),
        Arguments.of("carol\uD83D", "lone surrogate U+D83D at index 5"),
        Arguments.of("\uDE00dave", "lone surrogate U+DE00 at index 0"));
  }

  @ParameterizedTest
  @MethodSource("badIds")
  void theApiRejectsABadIdSayingWhy(String id, String why) {
    assertThatThrownBy(() -> BudgetContext.run(id, () -> { })).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
    assertThatThrownBy(() -> BudgetContext.call(id, () -> 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
    BudgetManager manager = new BudgetManager("user-id-test", "memory", null);
    assertThatThrownBy(() -> manager.createBudget(1, id, null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
    assertThatThrownBy(() -> manager.getCurrentCost(id)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
    assertThatThrownBy(() -> manager.reserve(id, BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(why);
  }

  @Test
  void anIdOf256PrintableCharsIsFine() throws Exception {
    String id = "é".repeat(256);
    assertThat(BudgetContext.call(id, BudgetContext::currentUser)).isEqualTo(id);
  }

  @ParameterizedTest
  @MethodSource("badIds")
  void aBadIdInTheMdcMeansNoUser(String id, String why) {
    MDC.put("userId", id);
    assertThat(BudgetContext.currentUser()).isNull();
    MDC.put("userId", "carol");
    assertThat(BudgetContext.currentUser()).isEqualTo("carol");
  }

  @Test
  void theEngineNeverChargesTheGlobalKeyAsAUser() {
    MemoryStore store = new MemoryStore("user-id-engine", ZoneOffset.UTC);
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("10"), null, Clock.systemUTC().instant());
    BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.WARN,
        Clock.systemUTC(), new BigDecimal("0.001"), null);

    assertThatThrownBy(() -> engine.reserve(BudgetStore.GLOBAL_KEY, new BigDecimal("0.01")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names the global budget");
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, Clock.systemUTC().instant()).orElseThrow().reserved()).isZero();
  }
}
