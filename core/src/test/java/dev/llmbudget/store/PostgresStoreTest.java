package dev.llmbudget.store;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.isolated.postgres.PostgresStoreProvider;
import java.util.Map;

/** The store contract on a real PostgreSQL, each test in a schema of its own. */
class PostgresStoreTest extends BudgetStoreContract {

  @Override
  boolean claimsAlertsOnce() {
    return true;
  }

  @Override
  BudgetStore openStore() {
    BudgetConfig config = BudgetConfig.of(Map.of(
        "llmbudget.postgres.schema", PostgresServer.freshSchema(),
        "llmbudget.postgres.pool_size", "16"));
    return new PostgresStoreProvider().open("test", PostgresServer.url(), config);
  }
}
