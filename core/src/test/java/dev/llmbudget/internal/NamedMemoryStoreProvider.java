package dev.llmbudget.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreProvider;
import dev.llmbudget.store.MemoryStore;

/** A provider as an isolated store would be: found by its service file, built from public types only. */
public final class NamedMemoryStoreProvider implements BudgetStoreProvider {

  static volatile int opened;

  @Override
  public String type() {
    return "named-memory";
  }

  @Override
  public BudgetStore open(String project, String apiBase, BudgetConfig config) {
    opened++;
    return new MemoryStore("named:" + project, config.zone());
  }
}
