package dev.llmbudget.store;

import java.time.ZoneOffset;

class MemoryStoreTest extends BudgetStoreContract {

  @Override
  BudgetStore openStore() {
    return new MemoryStore("test", ZoneOffset.UTC);
  }
}
