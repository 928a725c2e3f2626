package dev.llmbudget.store;

import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;

/** Placeholder until the stores branch lands: keeps budgets in memory only. */
public final class HostedStore extends LedgerStore {
  private final URI apiBase;

  public HostedStore(URI apiBase, String projectName, ZoneId zone, Duration timeout, Duration flushInterval) {
    super(zone);
    this.apiBase = apiBase;
  }

  @Override
  public String describe() {
    return "budget server " + apiBase;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
