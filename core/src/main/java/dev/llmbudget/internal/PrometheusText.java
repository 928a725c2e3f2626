package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The metrics of this JVM in the Prometheus text exposition format, and the endpoint that serves
 * them when {@code llmbudget.metrics.port} is set. Amounts are exact decimals in US dollars.
 */
public final class PrometheusText {

  private PrometheusText() {}

  /**
   * Starts the endpoint of {@code config}, if it names a port. A port that cannot be bound is
   * logged; the application runs on without the endpoint.
   */
  public static void start(BudgetConfig config) {
    Integer port = config.metricsPort();
    if (port == null) {
      return;
    }
    List<MetricsServer> servers = Extensions.load(MetricsServer.class);
    if (servers.isEmpty()) {
      Log.warn("llm-budget: llmbudget.metrics.port is set but no metrics server could be loaded; the jar is incomplete");
      return;
    }
    try {
      int bound = servers.get(0).start(config.metricsHost(), port, PrometheusText::render);
      Log.info("llm-budget: Prometheus metrics on http://" + config.metricsHost() + ":" + bound + "/metrics");
    } catch (Exception e) {
      Log.warn("llm-budget: cannot serve metrics on " + config.metricsHost() + ":" + port + " (llmbudget.metrics.port): "
          + e, e);
    }
  }

  /** The current metrics as text. */
  public static String render() {
    BudgetMXBean b = BudgetMBean.INSTANCE;
    StringBuilder sb = new StringBuilder(1024);
    gauge(sb, "llm_budget_global_cost_usd", "Spent against the global budget in its current period.", b.getCurrentCost());
    gauge(sb, "llm_budget_global_max_budget_usd", "The global budget (absent when none is set).", b.getMaxBudget());
    gauge(sb, "llm_budget_global_reserved_usd", "Held by calls of this JVM in flight.", b.getReserved());
    gauge(sb, "llm_budget_global_remaining_usd", "Global budget left: max - spent - reserved.", b.getRemaining());
    Map<String, BigDecimal> byModel = b.getCostByModel();
    sb.append("# HELP llm_budget_cost_usd Spent per model in the global budget's current period.\n")
        .append("# TYPE llm_budget_cost_usd gauge\n");
    byModel.forEach((model, cost) -> sb.append("llm_budget_cost_usd{model=\"").append(label(model)).append("\"} ")
        .append(cost.toPlainString()).append('\n'));
    counter(sb, "llm_budget_calls_metered_total", "LLM calls charged since the JVM started.", b.getCallsMetered());
    counter(sb, "llm_budget_calls_blocked_total", "LLM calls refused by a budget before they went out.", b.getCallsBlocked());
    counter(sb, "llm_budget_calls_unmetered_total", "LLM calls that went on unmetered because the agent failed.",
        b.getCallsUnmetered());
    counter(sb, "llm_budget_classes_not_instrumented_total",
        "SDK classes the agent could not instrument: their LLM calls go out neither metered nor refused.",
        b.getClassesNotInstrumented());
    counter(sb, "llm_budget_calls_estimated_total", "LLM calls charged from an estimate (no usage reported).",
        b.getCallsEstimated());
    sb.append("# HELP llm_budget_charges_pending Charges of answered calls the store refused, retried until they land.\n")
        .append("# TYPE llm_budget_charges_pending gauge\n")
        .append("llm_budget_charges_pending ").append(b.getChargesPending()).append('\n');
    counter(sb, "llm_budget_charges_lost_total", "Charges lost because too many waited for the store at once.",
        b.getChargesLost());
    return sb.toString();
  }

  private static void gauge(StringBuilder sb, String name, String help, BigDecimal value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n");
    if (value != null) {
      sb.append(name).append(' ').append(value.toPlainString()).append('\n');
    }
  }

  private static void counter(StringBuilder sb, String name, String help, long value) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n")
        .append(name).append(' ').append(value).append('\n');
  }

  /** Escapes a label value as the format requires: backslash, double quote, line feed. */
  static String label(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
