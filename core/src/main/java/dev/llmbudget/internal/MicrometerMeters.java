package dev.llmbudget.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Registers this JVM's budget meters in a Micrometer registry the application already has, found
 * by the agent when Micrometer's {@code Metrics} class is initialised. The agent cannot link
 * against Micrometer (its classes sit on the bootstrap path; Micrometer is in the application's
 * loader), so every Micrometer call here is reflective. The meters are functional: Micrometer reads
 * our counters when it is scraped, and a charge never calls Micrometer (a new model's first charge
 * registers its meters once).
 */
public final class MicrometerMeters {

  static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  /** The token meter's name where the application already exports {@link #TOKEN_USAGE} itself. */
  static final String OWN_TOKEN_USAGE = "llm_budget.token.usage";
  /** Spring AI's class that registers {@link #TOKEN_USAGE} with tag keys of its own. */
  private static final String SPRING_AI_TOKEN_METRICS = "org.springframework.ai.model.observation.ModelUsageMetricsGenerator";
  static final String COST = "llm_budget.cost";

  /** The registries bound so far, each with the reflective handles of its own Micrometer. */
  private static final List<Binding> BOUND = new ArrayList<>();

  private MicrometerMeters() {}

  /**
   * Registers the meters in {@code registry} (a {@code io.micrometer.core.instrument.MeterRegistry},
   * typically {@code Metrics.globalRegistry}). Never throws: a Micrometer this code cannot use is
   * logged and the application runs on without the meters.
   */
  public static void bind(Object registry) {
    if (registry == null) {
      return;
    }
    try {
      Binding b;
      synchronized (BOUND) {
        for (Binding existing : BOUND) {
          if (existing.registry == registry) {
            return;
          }
        }
        b = new Binding(registry);
        BOUND.add(b);
      }
      b.registerFixed();
      for (UsageCounters.Series s : UsageCounters.subscribe(MicrometerMeters::added)) {
        b.register(s);
      }
    } catch (Throwable t) {
      Log.warn("llm-budget: could not register the budget meters with Micrometer (" + t + "); they are not exported", t);
    }
  }

  private static void added(UsageCounters.Series s) {
    List<Binding> bindings;
    synchronized (BOUND) {
      bindings = new ArrayList<>(BOUND);
    }
    for (Binding b : bindings) {
      try {
        b.register(s);
      } catch (ReflectiveOperationException | RuntimeException e) {
        Log.warnOnce("micrometer-series", "llm-budget: could not register the meters of model " + s.model()
            + " with Micrometer: " + e, e);
      }
    }
  }

  /** One registry and the Micrometer methods of the class loader it came from. */
  private static final class Binding {
    final Object registry;
    final Method counterBuilder;
    final Method gaugeBuilder;
    final Class<?> registryType;
    final String tokenUsage;

    Binding(Object registry) throws ReflectiveOperationException {
      this.registry = registry;
      ClassLoader loader = registry.getClass().getClassLoader();
      tokenUsage = tokenMeterName(registry, loader);
      registryType = Class.forName("io.micrometer.core.instrument.MeterRegistry", false, loader);
      counterBuilder = Class.forName("io.micrometer.core.instrument.FunctionCounter", false, loader)
          .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
      gaugeBuilder = Class.forName("io.micrometer.core.instrument.Gauge", false, loader)
          .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
    }

    void registerFixed() throws ReflectiveOperationException {
      counter("llm_budget.calls.metered", "LLM calls charged since the JVM started", null,
          CallCounters::meteredCount);
      counter("llm_budget.calls.blocked", "LLM calls refused by a budget before they went out", null,
          CallCounters::blockedCount);
      counter("llm_budget.calls.unmetered", "LLM calls that went on unmetered because the agent failed", null,
          CallCounters::unmeteredCount);
      counter("llm_budget.classes.not_instrumented",
          "SDK classes the agent could not instrument: their calls go out neither metered nor refused", null,
          CallCounters::notInstrumentedCount);
      counter("llm_budget.calls.estimated", "LLM calls charged from an estimate (no usage reported)", null,
          CallCounters::estimatedCount);
      gauge("llm_budget.global.cost", "Spent against the global budget in its current period (the store's view)",
          () -> BudgetMBean.INSTANCE.getCurrentCost());
      gauge("llm_budget.global.max_budget", "The global budget (NaN when none is set)",
          () -> BudgetMBean.INSTANCE.getMaxBudget());
      gauge("llm_budget.global.remaining", "Global budget left: max - spent - reserved (NaN without a limit)",
          () -> BudgetMBean.INSTANCE.getRemaining());
    }

    void register(UsageCounters.Series s) throws ReflectiveOperationException {
      List<String> tags = new ArrayList<>(List.of("gen_ai.request.model", s.model(), "gen_ai.provider.name", s.provider()));
      if (s.user() != null) {
        tags.add("user");
        tags.add(s.user());
      }
      List<String> input = new ArrayList<>(tags);
      input.add("gen_ai.token.type");
      input.add("input");
      List<String> output = new ArrayList<>(tags);
      output.add("gen_ai.token.type");
      output.add("output");
      build(counterBuilder, tokenUsage, s, (ToDoubleFunction<UsageCounters.Series>) UsageCounters.Series::inputTokens,
          "Tokens used by LLM calls (OpenTelemetry GenAI semantic conventions)", null, input);
      build(counterBuilder, tokenUsage, s, (ToDoubleFunction<UsageCounters.Series>) UsageCounters.Series::outputTokens,
          "Tokens used by LLM calls (OpenTelemetry GenAI semantic conventions)", null, output);
      build(counterBuilder, COST, s, (ToDoubleFunction<UsageCounters.Series>) UsageCounters.Series::costUsd,
          "US dollars charged for LLM calls by this JVM", "usd", tags);
    }

    private void counter(String name, String description, String unit, java.util.function.LongSupplier value)
        throws ReflectiveOperationException {
      build(counterBuilder, name, value, (ToDoubleFunction<java.util.function.LongSupplier>) v -> v.getAsLong(),
          description, unit, List.of());
    }

    private void gauge(String name, String description, Supplier<BigDecimal> value) throws ReflectiveOperationException {
      build(gaugeBuilder, name, value, (ToDoubleFunction<Supplier<BigDecimal>>) MicrometerMeters::usd, description,
          "usd", List.of());
    }

    /** {@code builder(name, state, f).description(..).baseUnit(..).tag(..)...register(registry)}. */
    private void build(Method builder, String name, Object state, ToDoubleFunction<?> f, String description,
        String unit, List<String> tags) throws ReflectiveOperationException {
      // Micrometer holds the state weakly; ours lives in static fields (or here, in STATES) for good.
      STATES.add(state);
      Object b = call(builder, null, name, state, f);
      b = call(b.getClass().getMethod("description", String.class), b, description);
      if (unit != null) {
        b = call(b.getClass().getMethod("baseUnit", String.class), b, unit);
      }
      Method tag = b.getClass().getMethod("tag", String.class, String.class);
      for (int i = 0; i < tags.size(); i += 2) {
        b = call(tag, b, tags.get(i), tags.get(i + 1));
      }
      call(b.getClass().getMethod("register", registryType), b, registry);
    }
  }

  /**
   * {@link #TOKEN_USAGE}, unless the application exports a meter of that name itself (Spring AI
   * does, with other tag keys): Prometheus allows one set of tag keys per name, so the second
   * registrant's meter would vanish, and the agent must never take the application's. Then the
   * agent's is {@link #OWN_TOKEN_USAGE}, with the same tags.
   */
  static String tokenMeterName(Object registry, ClassLoader loader) {
    String owner = null;
    try {
      Class.forName(SPRING_AI_TOKEN_METRICS, false, loader);
      owner = "Spring AI";
    } catch (ClassNotFoundException | LinkageError e) {
      // no Spring AI
    }
    if (owner == null) {
      try {
        Object meters = registry.getClass().getMethod("getMeters").invoke(registry);
        for (Object meter : (Iterable<?>) meters) {
          Object id = meter.getClass().getMethod("getId").invoke(meter);
          if (TOKEN_USAGE.equals(id.getClass().getMethod("getName").invoke(id))) {
            owner = "the application";
          }
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // cannot tell: take the convention's name
      }
    }
    if (owner == null) {
      return TOKEN_USAGE;
    }
    Log.info("llm-budget: " + owner + " exports " + TOKEN_USAGE + " itself; the agent's token counts are "
        + OWN_TOKEN_USAGE + " (same tags)");
    return OWN_TOKEN_USAGE;
  }

  /** Strong references to the objects Micrometer reads, which it only holds weakly. */
  private static final java.util.Set<Object> STATES = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private static Object call(Method m, Object target, Object... args) throws ReflectiveOperationException {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      throw e;
    }
  }

  /** A gauge read: the amount in dollars, NaN when there is none or the store cannot be read. */
  private static double usd(Supplier<BigDecimal> value) {
    try {
      BigDecimal v = value.get();
      return v == null ? Double.NaN : v.doubleValue();
    } catch (RuntimeException | LinkageError e) {
      return Double.NaN;
    }
  }
}
