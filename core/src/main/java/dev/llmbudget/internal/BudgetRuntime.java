package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetStore;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The process-wide state: the configuration, the price table and the default store with the
 * global budget. Built lazily on first use; the agent configures it first from its arguments.
 */
public final class BudgetRuntime {

  private static volatile Map<String, String> agentArgs = Map.of();
  private static volatile BudgetConfig config;
  private static volatile BudgetRuntime instance;

  private static final Supplier<PriceTable> PRICES = new Lazy<>(() -> {
    BudgetConfig cfg = config();
    PriceTable table = cfg.prices() == null ? PriceTable.defaultTable() : PriceTable.fromLocation(cfg.prices());
    return cfg.priceAliases().isEmpty() ? table : table.withAliases(cfg.priceAliases());
  });

  private final BudgetConfig cfg;
  private final BudgetEngine engine;

  private BudgetRuntime(BudgetConfig cfg) {
    this.cfg = cfg;
    BudgetStore store = StoreRegistry.open(cfg.store(), cfg.project(), cfg.apiBase(), cfg);
    this.engine = new BudgetEngine(store, PRICES, cfg.unknownModel(), Clock.systemUTC(),
        cfg.userMaxBudget(), cfg.userBudgetDuration(), cfg.reservationTtl());
    ConfiguredBudgets.start(store, cfg, Clock.systemUTC());
    BudgetAlerts.start(store, cfg, Clock.systemUTC());
  }

  /**
   * Sets the agent's arguments, which win over system properties and environment variables, and
   * validates the resulting configuration at once.
   *
   * @throws IllegalArgumentException naming the key of a bad value
   */
  public static synchronized BudgetConfig configure(Map<String, String> args) {
    agentArgs = Map.copyOf(args);
    BudgetConfig c = BudgetConfig.from(agentArgs, System.getenv());
    ConfiguredBudgets.validate(c);
    config = c;
    MdcUser.setKey(c.mdcKey());
    for (String warning : BudgetConfig.unknownKeyWarnings(System.getProperties(), System.getenv())) {
      Log.warnOnce(warning, warning, null);
    }
    return c;
  }

  /** The configuration in force (agent arguments, system properties, environment). */
  public static BudgetConfig config() {
    BudgetConfig c = config;
    if (c == null) {
      synchronized (BudgetRuntime.class) {
        c = config;
        if (c == null) {
          c = configure(agentArgs);
        }
      }
    }
    return c;
  }

  /** The runtime, opening the default store and setting the global budget on first use. */
  public static BudgetRuntime get() {
    BudgetRuntime r = instance;
    if (r == null) {
      synchronized (BudgetRuntime.class) {
        r = instance;
        if (r == null) {
          r = new BudgetRuntime(config());
          instance = r;
        }
      }
    }
    return r;
  }

  public BudgetConfig settings() {
    return cfg;
  }

  /** The price table in force ({@code llmbudget.prices} or the bundled one), loaded on first use. */
  public static Supplier<PriceTable> prices() {
    return PRICES;
  }

  public BudgetEngine engine() {
    return engine;
  }

  /** A supplier that computes its value once, on first use. */
  static final class Lazy<T> implements Supplier<T> {
    private final Supplier<T> init;
    private volatile T value;

    Lazy(Supplier<T> init) {
      this.init = init;
    }

    @Override
    public T get() {
      T v = value;
      if (v == null) {
        synchronized (this) {
          v = value;
          if (v == null) {
            v = init.get();
            value = v;
          }
        }
      }
      return v;
    }
  }
}
