package dev.llmbudget.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetThresholdEvent;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Warns before a budget runs out: when the spend of the global budget or a user's crosses one of
 * {@code llmbudget.alert.thresholds} (shares of the limit), one WARN line, and a JSON POST to
 * {@code llmbudget.alert.webhook} if set, once per threshold per budget per period: in this JVM by
 * what it remembers, across JVMs sharing a store by {@link BudgetStore#claimAlert}. Listeners of
 * {@code BudgetManager.onThreshold} hear of each crossing once in every JVM that notices it.
 *
 * <p>Off the call path: a charge only marks its budgets (a set add); a daemon thread per store looks
 * at the marked budgets every flush interval, and another delivers webhooks, retried with back-off,
 * from a bounded queue whose overflow is dropped with a warning, so a slow or dead receiver never
 * blocks or fails an LLM call. Both threads stop when the JVM shuts down ({@link #stopAll}).
 */
public final class BudgetAlerts {

  /** Only a webhook needs Jackson: held apart so that opening the store at start-up does not load it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();
  }

  private static final Duration WEBHOOK_DEADLINE = Duration.ofSeconds(5);
  private static final int WEBHOOK_ATTEMPTS = 4;
  /** The watcher of each store (stores are kept per JVM by StoreRegistry, compared by identity). */
  private static final Map<BudgetStore, BudgetAlerts> ACTIVE = new ConcurrentHashMap<>();

  static {
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(BudgetAlerts::stopAll, "llm-budget-alerts-stop"));
    } catch (IllegalStateException | SecurityException e) {
      // the JVM is shutting down already
    }
  }

  private final BudgetStore store;
  private final Clock clock;
  private final List<BigDecimal> thresholds;
  private final URI webhook;
  private final Set<String> charged = ConcurrentHashMap.newKeySet();
  /** {@code key|periodStart|threshold} of every crossing already noticed here. */
  private final Set<String> announced = ConcurrentHashMap.newKeySet();
  private final List<Consumer<BudgetThresholdEvent>> listeners = new CopyOnWriteArrayList<>();
  /** The webhook's delivery thread; null without a webhook. */
  private final ExecutorService delivery;
  private final Thread watcher;
  private volatile boolean scanned;

  private BudgetAlerts(BudgetStore store, BudgetConfig config, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.thresholds = config.alertThresholds();
    this.webhook = config.alertWebhook() == null ? null : URI.create(config.alertWebhook());
    // Only a webhook is delivered on a thread of its own; without one, start-up spares the executor.
    this.delivery = webhook == null ? null
        : new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1000), r -> {
          Thread t = new Thread(r, "llm-budget-alert-webhook");
          t.setDaemon(true);
          return t;
        });
    long every = Math.max(100, config.flushInterval().toMillis());
    this.watcher = new Thread(() -> run(every), "llm-budget-alerts");
    watcher.setDaemon(true);
  }

  /** Starts watching {@code store}'s budgets with {@code config}'s thresholds; a no-op without thresholds. */
  public static void start(BudgetStore store, BudgetConfig config, Clock clock) {
    if (!config.alertThresholds().isEmpty()) {
      forStore(store, config, clock, false);
    }
  }

  /**
   * Adds {@code listener} to the watcher of {@code store}, starting one if there is none yet.
   * Without thresholds ({@code llmbudget.alert.thresholds} empty) it is never called.
   */
  public static void subscribe(BudgetStore store, BudgetConfig config, Clock clock,
      Consumer<BudgetThresholdEvent> listener) {
    if (config.alertThresholds().isEmpty()) {
      Log.warnOnce("alerts-no-thresholds", "llm-budget: llmbudget.alert.thresholds is empty, so onThreshold "
          + "listeners are never called", null);
    }
    forStore(store, config, clock, true).listeners.add(listener);
  }

  /**
   * The watcher of {@code store}, started if new. {@code scanNow}: the crossings already in the
   * store are recorded by the caller before this returns (a listener's owner may charge at once),
   * else by the watcher thread (the agent's start must not wait on the store).
   */
  private static BudgetAlerts forStore(BudgetStore store, BudgetConfig config, Clock clock, boolean scanNow) {
    boolean[] created = new boolean[1];
    BudgetAlerts a = ACTIVE.computeIfAbsent(store, s -> {
      created[0] = true;
      return new BudgetAlerts(s, config, clock);
    });
    if (created[0]) {
      if (scanNow) {
        a.scanned = true;
        a.recordCrossingsSoFar();
      }
      a.watcher.start();
    }
    return a;
  }

  /** Marks {@code keys} of {@code store} as charged, for the next look. Called on every charge: a lookup and a set add. */
  static void charged(BudgetStore store, String[] keys) {
    BudgetAlerts a = ACTIVE.get(store);
    if (a != null) {
      for (String k : keys) {
        a.charged.add(k);
      }
    }
  }

  /** Stops every watcher and webhook thread (at JVM shutdown; tests call it to leave no thread behind). */
  public static void stopAll() {
    for (Iterator<BudgetAlerts> it = ACTIVE.values().iterator(); it.hasNext(); ) {
      BudgetAlerts a = it.next();
      it.remove();
      a.watcher.interrupt();
      if (a.delivery != null) {
        a.delivery.shutdownNow();
      }
      try {
        a.watcher.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Crossings that happened before this JVM started were announced by whoever made them. */
  private void recordCrossingsSoFar() {
    try {
      for (String key : store.keys()) {
        store.snapshot(key, clock.instant()).ifPresent(s -> crossed(s, true));
      }
    } catch (RuntimeException e) {
      Log.warn("llm-budget: alerts could not read the budgets at start: " + e, e);
    }
  }

  private void run(long everyMillis) {
    if (!scanned) {
      recordCrossingsSoFar();
    }
    while (!Thread.currentThread().isInterrupted()) {
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
        boolean mine = claim(s, t);
        String text = text(s, t, share);
        if (mine) {
          announce(s, t, text);
        }
        notifyListeners(s, t, text, mine);
      }
    }
  }

  /** Whether this JVM announces the crossing: the store's claim; when the store cannot say, yes. */
  private boolean claim(BudgetSnapshot s, BigDecimal threshold) {
    try {
      return store.claimAlert(s.key(), threshold.toPlainString(), s.periodStart(), s.nextReset());
    } catch (RuntimeException e) {
      Log.warnOnce("alerts-claim", "llm-budget: could not claim an alert in " + store.describe() + " (" + e
          + "); this JVM announces the crossings it sees, which other JVMs may announce too", null);
      return true;
    }
  }

  private static String text(BudgetSnapshot s, BigDecimal threshold, BigDecimal share) {
    String name = BudgetStore.GLOBAL_KEY.equals(s.key()) ? "the global budget" : "the budget of user '" + s.key() + "'";
    return "llm-budget: " + name + " has used " + percent(share) + " ($" + s.currentCost().toPlainString()
        + " of $" + s.totalBudget().toPlainString() + "), crossing " + percent(threshold)
        + (s.nextReset() == null ? "" : "; it resets at " + s.nextReset());
  }

  private void notifyListeners(BudgetSnapshot s, BigDecimal threshold, String text, boolean mine) {
    if (listeners.isEmpty()) {
      return;
    }
    boolean global = BudgetStore.GLOBAL_KEY.equals(s.key());
    BudgetThresholdEvent event = new BudgetThresholdEvent(global ? "global" : s.key(), global, threshold,
        s.currentCost(), s.totalBudget(), s.nextReset(), text, mine);
    for (Consumer<BudgetThresholdEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        Log.warn("llm-budget: an onThreshold listener failed on " + event.budget() + " at " + threshold.toPlainString()
            + ": " + e, e);
      }
    }
  }

  private void announce(BudgetSnapshot s, BigDecimal threshold, String text) {
    Log.warn(text);
    if (webhook == null) {
      return;
    }
    boolean global = BudgetStore.GLOBAL_KEY.equals(s.key());
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
