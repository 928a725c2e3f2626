package dev.llmbudget.store;

import java.time.ZoneId;

/** Budgets held in this JVM only; gone when it exits. For tests and for stateless workers. */
public final class MemoryStore extends LedgerStore {

  private final String name;

  public MemoryStore(String name, ZoneId zone) {
    super(zone);
    this.name = name;
  }

  @Override
  public String describe() {
    return "memory store '" + name + "'";
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
