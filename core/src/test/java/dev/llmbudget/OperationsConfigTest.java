package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 13's configuration keys: defaults, agent-argument lists, and errors that name the key. */
class OperationsConfigTest {

  @Test
  void defaults() {
    BudgetConfig c = BudgetConfig.of(Map.of());
    assertThat(c.userBudgets()).isEmpty();
    assertThat(c.budgetsFile()).isNull();
    assertThat(c.metricsPort()).isNull();
    assertThat(c.metricsHost()).isEqualTo("0.0.0.0");
    assertThat(c.alertThresholds()).containsExactly(new BigDecimal("0.8"), BigDecimal.ONE);
    assertThat(c.alertWebhook()).isNull();
  }

  @Test
  void listsAreAcceptedAsAgentArguments() {
    Map<String, String> args = BudgetConfig.parseAgentArgs("user.budgets=alice:5,bob:20,alert.thresholds=0.95,0.5,metrics.port=9464");
    BudgetConfig c = BudgetConfig.of(args);
    assertThat(c.userBudgets()).containsOnlyKeys("alice", "bob");
    assertThat(c.userBudgets().get("bob")).isEqualByComparingTo("20");
    assertThat(c.alertThresholds()).containsExactly(new BigDecimal("0.5"), new BigDecimal("0.95"));
    assertThat(c.metricsPort()).isEqualTo(9464);
  }

  @Test
  void badValuesNameTheirKey() {
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.metrics.port", "http")))
        .hasMessageContaining("llmbudget.metrics.port").hasMessageContaining("'http' is not a port number");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.metrics.port", "70000")))
        .hasMessageContaining("llmbudget.metrics.port").hasMessageContaining("outside");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.alert.thresholds", "80%")))
        .hasMessageContaining("llmbudget.alert.thresholds").hasMessageContaining("'80%'");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.alert.thresholds", "0")))
        .hasMessageContaining("llmbudget.alert.thresholds").hasMessageContaining("above 0");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.alert.webhook", "hooks.slack.com/x")))
        .hasMessageContaining("llmbudget.alert.webhook").hasMessageContaining("http(s) URL");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.user.budgets", "alice")))
        .hasMessageContaining("llmbudget.user.budgets").hasMessageContaining("user:amount");
  }
}
