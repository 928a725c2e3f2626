package dev.llmbudget.internal;

import java.math.BigDecimal;
import java.util.Map;

/**
 * The global budget and call counts of this JVM as JMX shows them, under {@code
 * dev.llmbudget:type=Budget,name=global}. Amounts are exact US dollars; {@code MaxBudget} and
 * {@code Remaining} are null when no global limit is set.
 */
public interface BudgetMXBean {

  /** Spent in the current period, as the store holds it (other JVMs on a shared store included). */
  BigDecimal getCurrentCost();

  BigDecimal getMaxBudget();

  /** Held by calls of this JVM in flight. */
  BigDecimal getReserved();

  /** {@code MaxBudget - CurrentCost - Reserved}, never below zero. */
  BigDecimal getRemaining();

  /** Spend per model in the current period. */
  Map<String, BigDecimal> getCostByModel();

  /** Calls charged since this JVM started. */
  long getCallsMetered();

  /** Calls refused by a budget before they went out. */
  long getCallsBlocked();

  /** Calls that went on unmetered because something of ours failed. */
  long getCallsUnmetered();

  /**
   * SDK classes the agent could not instrument: their calls go out neither metered nor refused.
   * Anything above zero needs an operator (see the ERROR the agent logged).
   */
  long getClassesNotInstrumented();

  /** Calls charged from an estimate because the provider reported no usage. */
  long getCallsEstimated();

  /** Charges of answered calls that the store refused and that are retried until they land. */
  int getChargesPending();

  /** Charges lost because too many waited for the store at once. */
  long getChargesLost();
}
