package dev.llmbudget.internal;

import dev.llmbudget.pricing.ModelPrice;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Tokens and cost this JVM charged, per model (and per user when {@code llmbudget.metrics.user_tags}
 * is on), for metrics backends that read counters ({@link MicrometerMeters}). A charge of a known
 * series is a map lookup and three adds; a new series is announced once to the listener, off the
 * steady-state hot path.
 */
public final class UsageCounters {

  /** The model, provider and (optional) user one set of counters belongs to. */
  public static final class Series {
    private final String model;
    private final String provider;
    private final String user;
    private final LongAdder inputTokens = new LongAdder();
    private final LongAdder outputTokens = new LongAdder();
    private final LongAdder costPico = new LongAdder();

    Series(String model, String provider, String user) {
      this.model = model;
      this.provider = provider;
      this.user = user;
    }

    public String model() {
      return model;
    }

    /** The price table's {@code litellm_provider} ({@code openai}, {@code anthropic}, ...), or {@code unknown}. */
    public String provider() {
      return provider;
    }

    /** The user, or {@code ""} for calls without one; {@code null} when user tags are off. */
    public String user() {
      return user;
    }

    /** Prompt-side tokens: plain input, cache reads and cache writes. */
    public double inputTokens() {
      return inputTokens.sum();
    }

    public double outputTokens() {
      return outputTokens.sum();
    }

    /** US dollars charged; summed exactly in picodollars, turned into a double only when read. */
    public double costUsd() {
      return costPico.sum() / 1e12;
    }

    /** The same, exactly. */
    public BigDecimal cost() {
      return dev.llmbudget.store.Picodollars.toDollars(costPico.sum());
    }
  }

  private static final ConcurrentHashMap<String, Series> SERIES = new ConcurrentHashMap<>();
  private static volatile boolean userTags;
  private static volatile Consumer<Series> listener;

  private UsageCounters() {}

  /** Whether series are kept per user ({@code llmbudget.metrics.user_tags}); set when the configuration is. */
  static void userTags(boolean on) {
    userTags = on;
  }

  public static boolean userTags() {
    return userTags;
  }

  /** Every series so far, and from now on each new one to {@code onNew} (replacing any listener before). */
  public static synchronized List<Series> subscribe(Consumer<Series> onNew) {
    listener = onNew;
    return new ArrayList<>(SERIES.values());
  }

  /** Counts a charge: {@code input} and {@code output} tokens of {@code model} costing {@code costPico}. */
  static void record(BudgetEngine engine, String user, String model, long input, long output, long costPico) {
    String m = model == null ? "unknown" : model;
    boolean byUser = userTags;
    String key = byUser ? m + '\u0000' + (user == null ? "" : user) : m;
    Series s = SERIES.get(key);
    if (s == null) {
      s = create(engine, key, m, byUser ? (user == null ? "" : user) : null);
    }
    if (input > 0) {
      s.inputTokens.add(input);
    }
    if (output > 0) {
      s.outputTokens.add(output);
    }
    if (costPico > 0) {
      s.costPico.add(costPico);
    }
  }

  private static Series create(BudgetEngine engine, String key, String model, String user) {
    Series created = new Series(model, provider(engine, model), user);
    Series s;
    synchronized (UsageCounters.class) {
      s = SERIES.putIfAbsent(key, created);
    }
    if (s != null) {
      return s;
    }
    Consumer<Series> l = listener;
    if (l != null) {
      try {
        l.accept(created);
      } catch (RuntimeException | LinkageError e) {
        Log.warnOnce("usage-counters-listener", "llm-budget: could not register the meters of model " + model + ": " + e, e);
      }
    }
    return created;
  }

  private static String provider(BudgetEngine engine, String model) {
    try {
      String p = engine == null ? null : engine.prices().resolve(model).map(ModelPrice::provider).orElse(null);
      return p == null || p.isEmpty() ? "unknown" : p;
    } catch (RuntimeException e) {
      return "unknown";
    }
  }
}
