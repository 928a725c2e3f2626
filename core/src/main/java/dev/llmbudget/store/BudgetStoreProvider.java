package dev.llmbudget.store;

import dev.llmbudget.BudgetConfig;

/**
 * Opens the stores of one client type ({@code llmbudget.store} / {@code BudgetManager}'s client
 * type) that core does not build itself. Implementations live under {@code dev.llmbudget.isolated}
 * and are listed in {@code META-INF/services/dev.llmbudget.store.BudgetStoreProvider}; under the
 * agent they are loaded by its isolated class loader, so they may use JDBC or a client library.
 */
public interface BudgetStoreProvider {

  /** The client type this provider opens, lower case, e.g. {@code redis}. */
  String type();

  /**
   * Opens a store for {@code project}; {@code apiBase} (may be null) is the server the caller named,
   * {@code config} holds the zone, timeouts and flush interval.
   *
   * @throws BudgetStoreException when the store cannot be reached or read
   */
  BudgetStore open(String project, String apiBase, BudgetConfig config);
}
