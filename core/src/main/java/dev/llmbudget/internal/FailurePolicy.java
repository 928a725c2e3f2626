package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetUnavailableError;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The one decision the agent's seams make when metering a call fails for a reason of ours (store
 * or price table unavailable, a store error, a bug): with {@code llmbudget.on_error=block} the call
 * is refused with {@link BudgetUnavailableError}; with {@code allow} it goes on, counted, and the
 * count is logged with the first occurrence of each cause and then at most once a minute.
 */
public final class FailurePolicy {

  static final long REPORT_EVERY_MILLIS = 60_000;
  private static final int MAX_CAUSE_CHARS = 500;

  private static final FailurePolicy INSTANCE = new FailurePolicy(BudgetRuntime::config, Clock.systemUTC());

  private final Supplier<BudgetConfig> config;
  private final Clock clock;
  private final AtomicLong unmetered = new AtomicLong();
  private final AtomicLong nextReport = new AtomicLong();

  FailurePolicy(Supplier<BudgetConfig> config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** The policy of this JVM, configured by {@code llmbudget.on_error}. */
  public static FailurePolicy get() {
    return INSTANCE;
  }

  /**
   * Decides about an LLM call that could not be metered because of {@code cause}: throws {@link
   * BudgetUnavailableError} under {@code block}, else counts the call and returns so it goes on.
   * A {@link BudgetExceededError} is rethrown as is: it is a refusal, not a failure.
   *
   * @param what the call, for the log, e.g. {@code "an LLM call"}
   */
  public void onMeteringFailure(String what, Throwable cause) {
    BudgetExceededError refusal = refusalFor(what, cause);
    if (refusal != null) {
      throw refusal;
    }
  }

  /**
   * As {@link #onMeteringFailure}, for a seam that must hand the refusal on rather than throw it
   * (a Flux, a future): the error to fail the call with, or {@code null} when it goes on.
   */
  public BudgetExceededError refusalFor(String what, Throwable cause) {
    if (cause instanceof BudgetExceededError) {
      return (BudgetExceededError) cause;
    }
    String why = describe(cause);
    BudgetConfig cfg = currentConfig();
    if (cfg == null || "block".equals(cfg.onError())) {
      return new BudgetUnavailableError("llm-budget: " + why + "; the call is refused (llmbudget.on_error=block)", cause);
    }
    long n = unmetered.incrementAndGet();
    CallCounters.unmetered();
    String key = "unmetered:" + cause.getClass().getName() + ":" + truncate(String.valueOf(cause.getMessage()));
    if (!cfg.budgetConfigured() && !cfg.onErrorExplicit()) {
      // No budget at all: the agent only tracks spend, so one line per cause is all the host hears.
      Log.warnOnce(key, "llm-budget: could not meter " + what + ": " + why + "; it goes on unmetered", cause);
      return null;
    }
    Log.warnOnce(key, "llm-budget: could not meter " + what + ": " + why + "; it goes on unmetered"
        + " (llmbudget.on_error=allow), " + n + " unmetered so far", cause);
    long now = clock.millis();
    long due = nextReport.get();
    if (now >= due && nextReport.compareAndSet(due, now + REPORT_EVERY_MILLIS) && due != 0) {
      Log.warn("llm-budget: " + n + " LLM calls have gone out unmetered so far (llmbudget.on_error=allow);"
          + " last cause: " + why);
    }
    return null;
  }

  /** What happens to LLM calls while the budget cannot be checked, for a message about the failure. */
  public String consequence() {
    BudgetConfig cfg = currentConfig();
    if (cfg == null || "block".equals(cfg.onError())) {
      return "LLM calls are refused until it is fixed (llmbudget.on_error=block); it is retried with back-off";
    }
    if (!cfg.budgetConfigured() && !cfg.onErrorExplicit()) {
      return "no budget is configured, so LLM calls go on and only spend tracking is lost";
    }
    return "LLM calls go on unmetered and are counted (llmbudget.on_error=allow); it is retried with back-off";
  }

  /** How many LLM calls went out unmetered under {@code llmbudget.on_error=allow} in this JVM. */
  public long unmeteredCalls() {
    return unmetered.get();
  }

  private BudgetConfig currentConfig() {
    try {
      return config.get();
    } catch (RuntimeException e) {
      return null; // A configuration that does not parse cannot say "allow".
    }
  }

  /** The cause as a refusal quotes it: the part that failed and its error. */
  static String describe(Throwable cause) {
    String m = cause.getMessage();
    String text = m == null || m.isBlank() ? cause.toString() : m;
    if (cause instanceof Unavailable) {
      return truncate(text);
    }
    if (cause instanceof dev.llmbudget.store.BudgetStoreException) {
      return "budget store is unavailable: " + truncate(text);
    }
    if (cause instanceof dev.llmbudget.pricing.PriceTableException) {
      return "price table is unavailable: " + truncate(text);
    }
    return "metering failed: " + truncate(cause.toString());
  }

  private static String truncate(String s) {
    return s.length() <= MAX_CAUSE_CHARS ? s : s.substring(0, MAX_CAUSE_CHARS) + "…";
  }
}
