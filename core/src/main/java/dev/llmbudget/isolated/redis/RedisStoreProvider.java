package dev.llmbudget.isolated.redis;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreProvider;

/**
 * Opens {@code llmbudget.store=redis}: a single server by {@code llmbudget.redis.url} (or the URL a
 * {@code BudgetManager} names), or a Redis Cluster by {@code llmbudget.redis.cluster}.
 */
public final class RedisStoreProvider implements BudgetStoreProvider {

  /** Public and no-argument for {@link java.util.ServiceLoader}. */
  public RedisStoreProvider() {}

  @Override
  public String type() {
    return "redis";
  }

  @Override
  public BudgetStore open(String project, String apiBase, BudgetConfig config) {
    try {
      return RedisConnect.open(project, apiBase, config);
    } catch (NoClassDefFoundError e) {
      // as a library, Jedis is an optional dependency of core (the agent jar carries its own)
      throw new IllegalStateException("the redis store needs Jedis on the class path: add "
          + "redis.clients:jedis (6.x) to the application, or run with the llm-budget agent (" + e.getMessage() + ")", e);
    }
  }
}
