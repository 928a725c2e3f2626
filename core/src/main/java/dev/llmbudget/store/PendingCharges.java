package dev.llmbudget.store;

import dev.llmbudget.Usage;
import dev.llmbudget.internal.Log;
import java.time.Clock;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The charges of answered calls that a store refused to book (a database restarting, a network
 * failing): kept in a bounded in-memory journal and retried off the call path by the daemon thread
 * {@code llm-budget-settle-retry}, with back-off, until they land, each once; flushed again at exit.
 * The reservation of such a call stays held meanwhile, so the budget never counts it as free.
 */
public final class PendingCharges {

  /** The most charges kept; beyond it a charge is counted as lost (visible in JMX and metrics), not kept. */
  static final int CAPACITY = 100_000;
  static final long FIRST_DELAY_MILLIS = 250;
  static final long MAX_DELAY_MILLIS = 60_000;

  private record Entry(BudgetStore store, Clock clock, JournaledCharge charge) {}

  private static final ConcurrentLinkedQueue<Entry> QUEUE = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger SIZE = new AtomicInteger();
  private static final LongAdder LOST = new LongAdder();
  private static final Object RETRYING = new Object();
  private static volatile Thread retrier;
  /** Offline journals ({@link OfflineAllowanceStore}) with charges to replay; the retrier replays them too. */
  private static final Set<OfflineAllowanceStore> JOURNALS = ConcurrentHashMap.newKeySet();

  private PendingCharges() {}

  /**
   * Settles reservation {@code id} with {@code actual} picodollars, or charges {@code keys} when the
   * store forgot it; when the store fails, keeps the charge for retry instead of throwing.
   */
  public static void settle(BudgetStore store, Clock clock, long id, String[] keys, long actual, String model,
      Usage usage, String sdk) {
    boolean settled;
    try {
      settled = store.settle(id, actual, model, clock.instant(), usage, sdk);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      // the settle may have landed with only its answer lost: the retry settles the same id, which
      // acts once, so nothing is charged twice
      keep(store, clock, new JournaledCharge(keys, actual, model, usage, sdk, id, true), e);
      return;
    }
    if (!settled && actual != 0) {
      // the store forgot the reservation (its lease ran out long ago): the call still pays what it
      // used, through a charge that can be repeated without counting twice
      charge(store, clock, new JournaledCharge(keys, actual, model, usage, sdk, -1, false));
    }
  }

  /** Charges {@code keys} without a reservation; when the store fails, keeps the charge for retry. */
  public static void charge(BudgetStore store, Clock clock, String[] keys, long actual, String model, Usage usage,
      String sdk) {
    try {
      store.charge(keys, actual, model, clock.instant(), usage, sdk);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      keep(store, clock, new JournaledCharge(keys, actual, model, usage, sdk, -1, false), e);
    }
  }

  private static void charge(BudgetStore store, Clock clock, JournaledCharge c) {
    try {
      c.apply(store, clock.instant());
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      keep(store, clock, c, e);
    }
  }

  /** Charges waiting for their store: those kept here and those in offline journals. */
  public static int size() {
    int n = SIZE.get();
    for (OfflineAllowanceStore s : JOURNALS) {
      n += s.journalSize();
    }
    return n;
  }

  /** {@code store} journaled a charge: the retrier replays its journal until it is empty. */
  static void journaled(OfflineAllowanceStore store) {
    if (JOURNALS.add(store)) {
      startRetrier();
    }
  }

  /** {@code store} was closed: its journal is no longer replayed nor counted as pending. */
  static void closed(OfflineAllowanceStore store) {
    JOURNALS.remove(store);
  }

  /** Charges dropped because the journal was full ({@value #CAPACITY}), since this JVM started. */
  public static long lostCount() {
    return LOST.sum();
  }

  private static void keep(BudgetStore store, Clock clock, JournaledCharge c, RuntimeException cause) {
    if (SIZE.incrementAndGet() > CAPACITY) {
      SIZE.decrementAndGet();
      LOST.increment();
      Log.error("llm-budget: " + store.describe() + " refused a charge of $" + Picodollars.toDollars(c.actual)
          .toPlainString() + " and " + CAPACITY + " charges wait already; this one is lost (" + cause + ")", cause);
      return;
    }
    QUEUE.add(new Entry(store, clock, c));
    Log.warnOnce("pending-charges:" + store.describe(), "llm-budget: " + store.describe() + " refused to book a charge ("
        + cause.getMessage() + "); the call's reservation stays held and the charge is retried in the background "
        + "until it lands (JMX ChargesPending counts those waiting)", cause);
    ExitFlush.ensureHook();
    startRetrier();
  }

  private static void startRetrier() {
    if (retrier != null) {
      return;
    }
    synchronized (RETRYING) {
      if (retrier == null) {
        Thread t = new Thread(PendingCharges::retryLoop, "llm-budget-settle-retry");
        t.setDaemon(true);
        retrier = t;
        t.start();
      }
    }
  }

  private static void retryLoop() {
    long delay = FIRST_DELAY_MILLIS;
    while (true) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(delay));
      if (QUEUE.isEmpty() && JOURNALS.isEmpty()) {
        delay = FIRST_DELAY_MILLIS;
        continue;
      }
      delay = retryAll() ? FIRST_DELAY_MILLIS : Math.min(MAX_DELAY_MILLIS, delay * 2);
    }
  }

  /**
   * Tries every waiting charge once, in order; a store that fails is not asked again in this pass.
   * Returns true when none is left.
   */
  static boolean retryAll() {
    synchronized (RETRYING) {
      Set<BudgetStore> failing = new HashSet<>();
      int landed = 0;
      for (Iterator<Entry> it = QUEUE.iterator(); it.hasNext();) {
        Entry e = it.next();
        if (failing.contains(e.store)) {
          continue;
        }
        try {
          e.charge.apply(e.store, e.clock.instant());
        } catch (RuntimeException failed) {
          failing.add(e.store);
          continue;
        }
        it.remove();
        SIZE.decrementAndGet();
        landed++;
      }
      if (landed > 0 && failing.isEmpty()) {
        Log.info("llm-budget: " + landed + " held-back charges are booked");
      }
      boolean journalsEmpty = true;
      for (OfflineAllowanceStore s : JOURNALS) {
        if (s.replayNow()) {
          JOURNALS.remove(s);
          if (s.journalSize() > 0) { // journaled again meanwhile: keep watching
            JOURNALS.add(s);
          }
        } else {
          journalsEmpty = false;
        }
      }
      return QUEUE.isEmpty() && journalsEmpty;
    }
  }

  /** At exit: one last try; what still cannot land is named in a warning. */
  static void flushAtExit() {
    if (QUEUE.isEmpty()) {
      return;
    }
    if (!retryAll()) {
      Log.warn("llm-budget: " + size() + " charges could not be booked before exit; their stores refused them");
    }
  }
}
