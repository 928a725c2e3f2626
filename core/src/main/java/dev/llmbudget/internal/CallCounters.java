package dev.llmbudget.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Process-wide counts of LLM calls by what became of them, for JMX and metrics endpoints. LongAdders:
 * one uncontended add on the hot path, no lock.
 */
public final class CallCounters {

  private static final LongAdder METERED = new LongAdder();
  private static final LongAdder BLOCKED = new LongAdder();
  private static final LongAdder UNMETERED = new LongAdder();
  private static final LongAdder ESTIMATED = new LongAdder();
  private static final LongAdder NOT_INSTRUMENTED = new LongAdder();

  private CallCounters() {}

  /** A call was charged (its usage priced and committed). */
  static void metered(boolean estimated) {
    METERED.increment();
    if (estimated) {
      ESTIMATED.increment();
    }
  }

  /** A call was refused by a budget before it went out. */
  static void blocked() {
    BLOCKED.increment();
  }

  /** A call went on without being metered because something of ours failed. Public for the agent's seams. */
  public static void unmetered() {
    UNMETERED.increment();
  }

  /**
   * An SDK class the agent should have woven could not be (or the agent could not install at all):
   * the calls made through it are neither metered nor refused, and no call can count them. Public
   * for the agent.
   */
  public static void notInstrumented() {
    NOT_INSTRUMENTED.increment();
  }

  public static long meteredCount() {
    return METERED.sum();
  }

  public static long blockedCount() {
    return BLOCKED.sum();
  }

  public static long unmeteredCount() {
    return UNMETERED.sum();
  }

  public static long estimatedCount() {
    return ESTIMATED.sum();
  }

  public static long notInstrumentedCount() {
    return NOT_INSTRUMENTED.sum();
  }
}
