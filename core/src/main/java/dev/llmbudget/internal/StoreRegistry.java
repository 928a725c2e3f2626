package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreProvider;
import dev.llmbudget.store.HostedStore;
import dev.llmbudget.store.LocalFileStore;
import dev.llmbudget.store.MemoryStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
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
        if (key.equals(key(config.store(), config.project(), config.apiBase(), config))) {
          store.putBudget(BudgetStore.GLOBAL_KEY, config.maxBudget(), config.maxBudgetDuration(), Instant.now());
        }
        STORES.put(key, store);
      }
      return store;
    }
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
        // a store from a provider: one per server and project (the server may be null: its
        // provider then takes it from the settings, e.g. llmbudget.postgres.url)
        return type(clientType) + ":" + apiBase + "#" + project;
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
        return new LocalFileStore(file, config.zone(), config.flushInterval());
      }
      case "memory":
        return new MemoryStore(project, config.zone());
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
