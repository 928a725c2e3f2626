package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Properties;
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
  /** Opened on first use; after a failure re-opened with back-off, never under a lock callers queue on. */
  private static final Retrying<BudgetRuntime> INSTANCE =
      new Retrying<>(() -> new BudgetRuntime(config()), Clock.systemUTC());

  private static final Supplier<PriceTable> PRICES = new Retrying<>(() -> {
    BudgetConfig cfg = config();
    PriceTable table;
    try {
      table = cfg.prices() == null ? PriceTable.defaultTable() : PriceTable.fromLocation(cfg.prices());
    } catch (RuntimeException | LinkageError e) {
      throw new Unavailable("price table " + (cfg.prices() == null ? "(bundled)" : cfg.prices() + " (llmbudget.prices)"), e);
    }
    return cfg.priceAliases().isEmpty() ? table : table.withAliases(cfg.priceAliases());
  }, Clock.systemUTC());

  private final BudgetConfig cfg;
  private final BudgetEngine engine;

  private BudgetRuntime(BudgetConfig cfg) {
    this.cfg = cfg;
    BudgetStore store;
    try {
      store = StoreRegistry.open(cfg.store(), cfg.project(), cfg.apiBase(), cfg);
    } catch (RuntimeException | LinkageError e) {
      throw new Unavailable("budget store " + StoreRegistry.describe(cfg.store(), cfg.project(), cfg.apiBase(), cfg), e);
    }
    this.engine = new BudgetEngine(store, PRICES, cfg.unknownModel(), Clock.systemUTC(),
        cfg.userMaxBudget(), cfg.userBudgetDuration(), cfg.outputReserve(), cfg.defaultMaxOutputTokens(),
        cfg.minOutputTokens(), cfg.reservationTtl(), cfg.imageTokens(), cfg.fileTokens());
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
    UsageCounters.userTags(c.metricsUserTags());
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

  /**
   * The runtime, opening the default store and setting the global budget on first use. When the
   * store cannot be opened this throws at once with the last cause until the back-off lets one
   * caller try again.
   */
  public static BudgetRuntime get() {
    return INSTANCE.get();
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

  /**
   * What this process enforces, in one line, e.g. {@code llm-budget 0.2.0: global $5 monthly
   * (spent $1.23), users $0.1 each daily, store local file /srv/user_cost.json, on_error=block}.
   */
  public String enforcement() {
    StringBuilder line = new StringBuilder("llm-budget ").append(version()).append(": ");
    BudgetStore store = engine.store();
    BudgetSnapshot global = store.snapshot(BudgetStore.GLOBAL_KEY, engine.now()).orElse(null);
    if (global != null && global.totalBudget() != null) {
      line.append("global $").append(plain(global.totalBudget())).append(every(global.duration()))
          .append(" (spent $").append(plain(global.currentCost())).append(")");
    } else {
      line.append("no global budget");
    }
    if (cfg.userMaxBudget() != null) {
      line.append(", users $").append(plain(cfg.userMaxBudget())).append(" each").append(every(cfg.userBudgetDuration()));
    }
    return line.append(", store ").append(store.describe()).append(", on_error=").append(cfg.onError())
        .append(", output_reserve=").append(cfg.outputReserve().name().toLowerCase(java.util.Locale.ROOT)).toString();
  }

  private static String every(BudgetDuration d) {
    return d == null ? "" : " " + d;
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  /** This build's version, as Maven wrote it into {@code dev/llmbudget/version.properties}. */
  public static String version() {
    try (InputStream in = Bundled.open("/dev/llmbudget/version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "(unknown version)");
    } catch (IOException e) {
      return "(unknown version)";
    }
  }
}
