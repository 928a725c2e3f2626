package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreProvider;
import dev.llmbudget.store.HostedStore;
import dev.llmbudget.store.LocalFileStore;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One store per place that holds budgets, shared by every {@code BudgetManager} and the agent in
 * this JVM, so they all see the same spend.
 */
public final class StoreRegistry {

  private static final Map<String, BudgetStore> STORES = new ConcurrentHashMap<>();

  private StoreRegistry() {}

  /**
   * The store for {@code clientType} ({@code local}, {@code memory} or {@code hosted}), opened on
   * first use with {@code config}'s zone, path, flush interval and timeouts.
   */
  public static BudgetStore open(String clientType, String project, String apiBase, BudgetConfig config) {
    String key = key(clientType, project, apiBase, config);
    BudgetStore store = STORES.get(key);
    if (store != null) {
      return store;
    }
    synchronized (STORES) {
      store = STORES.get(key);
      if (store == null) {
        store = create(clientType, project, apiBase, config);
        if (key.equals(key(config.store(), config.project(), config.apiBase(), config)) && config.maxBudget() != null) {
          // Only a JVM told a limit writes one: a reader (no max_budget) must not wipe the limit others set.
          setGlobalBudget(store, config.maxBudget(), config.maxBudgetDuration(), "llmbudget.max_budget", Instant.now());
        }
        STORES.put(key, store);
      }
      return store;
    }
  }

  /**
   * Sets the global limit on {@code store} because {@code source} says so. The last explicit
   * setting wins between JVMs sharing a store; replacing a different limit is logged, so the
   * conflict is never silent.
   */
  public static void setGlobalBudget(BudgetStore store, BigDecimal limit, BudgetDuration duration, String source,
      Instant now) {
    BudgetSnapshot held = store.snapshot(BudgetStore.GLOBAL_KEY, now).orElse(null);
    if (held != null && held.totalBudget() != null
        && (limit == null || held.totalBudget().compareTo(limit) != 0 || !Objects.equals(held.duration(), duration))) {
      Log.warn("llm-budget: " + source + " sets the global limit to " + limitText(limit, duration) + ", replacing "
          + limitText(held.totalBudget(), held.duration()) + " held by " + store.describe()
          + " (the last explicit setting wins for every JVM sharing it)");
    }
    store.putBudget(BudgetStore.GLOBAL_KEY, limit, duration, now);
  }

  private static String limitText(BigDecimal limit, BudgetDuration duration) {
    return limit == null ? "none" : "$" + limit.stripTrailingZeros().toPlainString()
        + (duration == null ? "" : " per " + duration);
  }

  /** Names the store {@link #open} would open, as its {@code describe()} will, for messages about it failing. */
  public static String describe(String clientType, String project, String apiBase, BudgetConfig config) {
    try {
      switch (type(clientType)) {
        case "local":
          return "local file " + config.storePath().toAbsolutePath().normalize();
        case "memory":
          return "memory store '" + project + "'";
        case "hosted":
          return "budget server " + apiUri(apiBase, config) + " project '" + project + "'";
        default:
          return "'" + clientType + "'";
      }
    } catch (RuntimeException e) {
      return "'" + clientType + "'";
    }
  }

  /**
   * A new store of {@code config}'s type that nothing else in this JVM shares and that is opened
   * without applying {@code config}'s global budget: for tools (the CLI) that read and edit a store
   * running applications use, which must not change it merely by opening it. The caller closes it.
   */
  public static BudgetStore openDetached(BudgetConfig config) {
    return create(config.store(), config.project(), config.apiBase(), config);
  }

  private static String key(String clientType, String project, String apiBase, BudgetConfig config) {
    switch (type(clientType)) {
      case "local":
        return "local:" + config.storePath().toAbsolutePath().normalize();
      case "memory":
        return "memory:" + project;
      case "hosted":
        return "hosted:" + apiUri(apiBase, config) + "#" + project;
      default:
        // a provider's store: one per server named and project, as for hosted
        return type(clientType) + ":" + (apiBase == null ? "" : apiBase.trim()) + "#" + project;
    }
  }

  private static String type(String clientType) {
    return clientType == null ? "local" : clientType.trim().toLowerCase(Locale.ROOT);
  }

  private static URI apiUri(String apiBase, BudgetConfig config) {
    String base = apiBase != null ? apiBase : config.apiBase();
    if (base == null || base.isBlank()) {
      throw new IllegalArgumentException(
          "client type 'hosted' needs an api_base (the budget server's URL), e.g. http://127.0.0.1:4000");
    }
    base = base.trim();
    return URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
  }

  private static BudgetStore create(String clientType, String project, String apiBase, BudgetConfig config) {
    switch (type(clientType)) {
      case "local": {
        Path file = config.storePath().toAbsolutePath().normalize();
        return new LocalFileStore(file, config.zone(), config.flushInterval(), config.evictIdleAfter());
      }
      case "memory":
        return new MemoryStore(project, config.zone(), config.evictIdleAfter());
      case "hosted":
        return new HostedStore(apiUri(apiBase, config), project, config.zone(), config.apiTimeout(),
            config.flushInterval());
      default:
        for (BudgetStoreProvider provider : Extensions.load(BudgetStoreProvider.class)) {
          if (provider.type().equals(type(clientType))) {
            return provider.open(project, apiBase, config);
          }
        }
        throw new IllegalArgumentException(
            "unknown client type '" + clientType + "': use local (JSON file), hosted (budget API) or memory");
    }
  }
}
