package dev.llmbudget.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Warns before a budget runs out: when the spend of the global budget or a user's crosses one of
 * {@code llmbudget.alert.thresholds} (shares of the limit), one WARN line, and a JSON POST to
 * {@code llmbudget.alert.webhook} if set, once per threshold per budget per period in this JVM.
 *
 * <p>Off the call path: a charge only marks its budgets (a set add); a daemon thread looks at the
 * marked budgets every flush interval, and another delivers webhooks, retried with back-off, from a
 * bounded queue whose overflow is dropped with a warning, so a slow or dead receiver never blocks
 * or fails an LLM call.
 */
public final class BudgetAlerts {

  /** Only a webhook needs Jackson: held apart so that opening the store at start-up does not load it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private static final Duration WEBHOOK_DEADLINE = Duration.ofSeconds(5);
  private static final int WEBHOOK_ATTEMPTS = 4;
  private static volatile BudgetAlerts active;

  private final BudgetStore store;
  private final Clock clock;
  private final List<BigDecimal> thresholds;
  private final URI webhook;
  private final Set<String> charged = ConcurrentHashMap.newKeySet();
  /** {@code key|periodStart|threshold} of every crossing already announced. */
  private final Set<String> announced = ConcurrentHashMap.newKeySet();
  private final ExecutorService delivery;

  private BudgetAlerts(BudgetStore store, BudgetConfig config, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.thresholds = config.alertThresholds();
    this.webhook = config.alertWebhook() == null ? null : URI.create(config.alertWebhook());
    this.delivery = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1000), r -> {
      Thread t = new Thread(r, "llm-budget-alert-webhook");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts watching {@code store}'s budgets with {@code config}'s thresholds; a no-op without thresholds. */
  public static void start(BudgetStore store, BudgetConfig config, Clock clock) {
    if (config.alertThresholds().isEmpty()) {
      return;
    }
    BudgetAlerts alerts = new BudgetAlerts(store, config, clock);
    long every = Math.max(100, config.flushInterval().toMillis());
    Thread t = new Thread(() -> alerts.run(every), "llm-budget-alerts");
    t.setDaemon(true);
    active = alerts;
    t.start();
  }

  /** Marks {@code keys} as charged, for the next look. Called on every charge: a set add, nothing more. */
  static void charged(String[] keys) {
    BudgetAlerts a = active;
    if (a != null) {
      for (String k : keys) {
        a.charged.add(k);
      }
    }
  }

  private void run(long everyMillis) {
    try {
      // Crossings that happened before this JVM started were announced by whoever made them.
      for (String key : store.keys()) {
        store.snapshot(key, clock.instant()).ifPresent(s -> crossed(s, true));
      }
    } catch (RuntimeException e) {
      Log.warn("llm-budget: alerts could not read the budgets at start: " + e, e);
    }
    while (true) {
      try {
        Thread.sleep(everyMillis);
      } catch (InterruptedException e) {
        return;
      }
      try {
        for (Iterator<String> it = charged.iterator(); it.hasNext(); ) {
          String key = it.next();
          it.remove();
          store.snapshot(key, clock.instant()).ifPresent(s -> crossed(s, false));
        }
      } catch (RuntimeException e) {
        Log.warnOnce("alerts:" + e.getClass().getName(), "llm-budget: alerts could not read a budget: " + e, e);
      }
    }
  }

  /** Announces each threshold {@code s} has reached and nobody announced yet; {@code quietly} only records them. */
  private void crossed(BudgetSnapshot s, boolean quietly) {
    if (s.totalBudget() == null || s.totalBudget().signum() <= 0) {
      return;
    }
    BigDecimal share = s.currentCost().divide(s.totalBudget(), 6, RoundingMode.DOWN);
    for (BigDecimal t : thresholds) {
      if (share.compareTo(t) >= 0 && announced.add(s.key() + "|" + s.periodStart() + "|" + t.toPlainString())
          && !quietly) {
        announce(s, t, share);
      }
    }
  }

  private void announce(BudgetSnapshot s, BigDecimal threshold, BigDecimal share) {
    boolean global = BudgetStore.GLOBAL_KEY.equals(s.key());
    String name = global ? "the global budget" : "the budget of user '" + s.key() + "'";
    String text = "llm-budget: " + name + " has used " + percent(share) + " ($" + s.currentCost().toPlainString()
        + " of $" + s.totalBudget().toPlainString() + "), crossing " + percent(threshold)
        + (s.nextReset() == null ? "" : "; it resets at " + s.nextReset());
    Log.warn(text);
    if (webhook == null) {
      return;
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("budget", global ? "global" : s.key());
    payload.put("threshold", threshold);
    payload.put("current_cost", s.currentCost());
    payload.put("max_budget", s.totalBudget());
    payload.put("period_end", s.nextReset() == null ? null : s.nextReset().toString());
    payload.put("text", text);
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(payload);
    } catch (Exception e) {
      Log.warn("llm-budget: cannot write the alert payload: " + e, e);
      return;
    }
    try {
      delivery.execute(() -> deliver(body, text));
    } catch (RejectedExecutionException e) {
      Log.warnOnce("alerts-queue", "llm-budget: the alert webhook " + webhook + " is not keeping up; alerts are dropped"
          + " (the WARN lines are still logged)", null);
    }
  }

  private void deliver(byte[] body, String text) {
    long backoff = 1000;
    for (int attempt = 1; ; attempt++) {
      try {
        RemoteReader.instance().postJson(webhook, body, WEBHOOK_DEADLINE, 64 * 1024);
        return;
      } catch (Exception e) {
        if (attempt == WEBHOOK_ATTEMPTS) {
          Log.warn("llm-budget: could not deliver an alert to " + webhook + " after " + attempt + " attempts ("
              + e.getMessage() + "): " + text);
          return;
        }
      }
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        return;
      }
      backoff *= 2;
    }
  }

  private static String percent(BigDecimal share) {
    return share.multiply(BigDecimal.valueOf(100)).setScale(1, RoundingMode.DOWN).stripTrailingZeros().toPlainString() + "%";
  }
}
