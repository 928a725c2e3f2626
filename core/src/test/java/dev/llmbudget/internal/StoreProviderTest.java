package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetManager;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** As a library, a client type core does not build itself is opened by the provider its service file names. */
class StoreProviderTest {

  @Test
  void aClientTypeOfAProviderOpensItsStore() {
    BudgetManager manager = new BudgetManager("providers", "named-memory", null);
    manager.createBudget(new BigDecimal("2.5"), "alice", "daily", java.time.Instant.now());

    assertThat(NamedMemoryStoreProvider.opened).isEqualTo(1);
    assertThat(new BudgetManager("providers", "named-memory", null).getTotalBudget("alice")).isEqualByComparingTo("2.5");
    assertThat(NamedMemoryStoreProvider.opened).as("one store per place, shared").isEqualTo(1);
  }

  @Test
  void anUnknownClientTypeStillFailsNamingTheKnownOnes() {
    assertThatThrownBy(() -> new BudgetManager("providers", "nosuch", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown client type 'nosuch'");
  }

  @Test
  void theHttpReaderIsFoundThroughItsServiceFile() {
    assertThat(RemoteReader.instance().getClass().getName()).isEqualTo("dev.llmbudget.isolated.http.JdkRemoteReader");
  }
}
