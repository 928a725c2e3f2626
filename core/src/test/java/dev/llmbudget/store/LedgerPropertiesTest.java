package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * The ledger's invariant under any interleaving of reserve, settle, release, budget creation, limit
 * changes (removal included), resets and lease expiry: what a budget holds is exactly what its live
 * reservations made under a limit hold; spend is exactly what was charged since the last reset;
 * spent + reserved stays within every limit a reservation was admitted under; nothing is negative;
 * nothing stays held once every reservation is settled or expired.
 */
class LedgerPropertiesTest {

  static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  static final long CENT = Picodollars.of(new BigDecimal("0.01"));
  static final Duration LEASE = Duration.ofMinutes(10);
  static final String[] USERS = {"u1", "u2"};

  enum Kind { RESERVE, SETTLE, RELEASE, PUT_BUDGET, REMOVE_LIMIT, RESET, ADVANCE, EXPIRE }

  /** One step; {@code a} and {@code b} are raw choices each kind interprets. */
  record Op(Kind kind, int user, int a, int b) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op = Combinators.combine(
        Arbitraries.of(Kind.class), Arbitraries.integers().between(0, 1),
        Arbitraries.integers().between(0, 120), Arbitraries.integers().between(0, 100))
        .as(Op::new);
    return op.list().ofMinSize(1).ofMaxSize(60);
  }

  /** What the test believes about one live reservation. */
  static final class Live {
    final long id;
    final String[] keys;
    final long amount;
    final boolean[] held;
    final Instant expiresAt;
    boolean expired;

    Live(long id, String[] keys, long amount, boolean[] held, Instant expiresAt) {
      this.id = id;
      this.keys = keys;
      this.amount = amount;
      this.held = held;
      this.expiresAt = expiresAt;
    }
  }

  @Property(tries = 400)
  void everyInterleavingKeepsTheBooksExact(@ForAll("ops") @Size(max = 60) List<Op> ops) {
    MemoryStore store = new MemoryStore("props", ZoneOffset.UTC);
    Instant now = T0;
    List<Live> live = new ArrayList<>();
    Map<String, Long> limit = new HashMap<>();   // absent: no entry or no limit
    Map<String, Long> spent = new HashMap<>();
    Map<String, Long> late = new HashMap<>();    // charged by settles that came after their lease
    Map<String, Long> unheld = new HashMap<>();  // charged by reservations made while a key had no limit
    Map<String, Long> ceiling = new HashMap<>(); // the highest limit a key ever had
    for (Op op : ops) {
      String user = USERS[op.user()];
      String[] keys = {BudgetStore.GLOBAL_KEY, user};
      switch (op.kind()) {
        case RESERVE: {
          long amount = (long) op.a() * CENT;
          long id = store.newReservationId();
          boolean[] held = {limit.containsKey(keys[0]), limit.containsKey(keys[1])};
          boolean fits = true;
          for (int i = 0; i < 2; i++) {
            if (held[i]) {
              long l = limit.get(keys[i]);
              long s = spent.getOrDefault(keys[i], 0L);
              fits &= s < l && s + reservedBy(live, keys[i]) + amount <= l;
            }
          }
          boolean ok = store.reserve(id, keys, amount, now, now.plus(LEASE)).isOk();
          assertThat(ok).as("reserve %s of %s", amount, user).isEqualTo(fits);
          if (ok) {
            live.add(new Live(id, keys, amount, held, now.plus(LEASE)));
          }
          break;
        }
        case SETTLE:
        case RELEASE: {
          if (live.isEmpty()) {
            break;
          }
          Live r = live.remove(op.a() % live.size());
          long actual = op.kind() == Kind.RELEASE ? 0 : r.amount * op.b() / 100;
          if (!store.settle(r.id, actual, op.kind() == Kind.RELEASE ? null : "gpt-4o", now)) {
            assertThat(r.expired).as("only a forgotten expired reservation is unknown").isTrue();
            store.charge(r.keys, actual, "gpt-4o", now);
          }
          for (int i = 0; i < r.keys.length; i++) {
            String k = r.keys[i];
            spent.merge(k, actual, Long::sum);
            if (r.expired) {
              late.merge(k, actual, Long::sum);
            } else if (!r.held[i]) {
              unheld.merge(k, actual, Long::sum);
            }
          }
          break;
        }
        case PUT_BUDGET:
          long l = (long) op.a() * CENT;
          store.putBudget(user, Picodollars.toDollars(l), null, now);
          limit.put(user, l);
          ceiling.merge(user, l, Math::max);
          if (op.b() < 30) {
            store.putBudget(BudgetStore.GLOBAL_KEY, Picodollars.toDollars(l * 2), null, now);
            limit.put(BudgetStore.GLOBAL_KEY, l * 2);
            ceiling.merge(BudgetStore.GLOBAL_KEY, l * 2, Math::max);
          }
          break;
        case REMOVE_LIMIT:
          if (store.snapshot(user, now).isPresent()) {
            store.putBudget(user, null, null, now);
          }
          limit.remove(user);
          break;
        case RESET:
          store.resetCost(user, now);
          spent.put(user, 0L);
          late.put(user, 0L);
          unheld.put(user, 0L);
          break;
        case ADVANCE:
          now = now.plusSeconds(op.a() * 10L);
          break;
        default:
          store.expireLeases(now);
          break;
      }
      for (Live r : live) {
        r.expired |= !now.isBefore(r.expiresAt);
      }
      check(store, now, live, ceiling, spent, late, unheld);
    }
    for (Live r : live) {
      store.settle(r.id, 0, null, now);
    }
    for (String k : store.keys()) {
      assertThat(store.snapshot(k, now).orElseThrow().reserved()).as("left held on %s", k).isZero();
    }
  }

  private static long reservedBy(List<Live> live, String key) {
    long sum = 0;
    for (Live r : live) {
      for (int i = 0; i < r.keys.length; i++) {
        if (r.keys[i].equals(key) && r.held[i] && !r.expired) {
          sum += r.amount;
        }
      }
    }
    return sum;
  }

  private static void check(MemoryStore store, Instant now, List<Live> live, Map<String, Long> ceiling,
      Map<String, Long> spent, Map<String, Long> late, Map<String, Long> unheld) {
    for (String key : new String[] {BudgetStore.GLOBAL_KEY, USERS[0], USERS[1]}) {
      var snap = store.snapshot(key, now);
      long reserved = snap.map(s -> Picodollars.of(s.reserved())).orElse(0L);
      long charged = snap.map(s -> Picodollars.of(s.currentCost())).orElse(0L);
      assertThat(reserved).as("reserved on %s", key).isEqualTo(reservedBy(live, key)).isNotNegative();
      assertThat(charged).as("spent on %s", key).isEqualTo(spent.getOrDefault(key, 0L)).isNotNegative();
      // what was admitted under a limit (not charged late, not reserved while the key had none)
      // never exceeds the highest limit the key had; lowering a limit refuses new calls only
      long admitted = charged - late.getOrDefault(key, 0L) - unheld.getOrDefault(key, 0L) + reserved;
      assertThat(admitted).as("spent %s + reserved %s on %s", charged, reserved, key)
          .isLessThanOrEqualTo(ceiling.getOrDefault(key, 0L));
    }
  }

  /**
   * Many threads reserve, settle and release against two budgets while another changes, removes
   * and re-creates the limits and resets the spend; afterwards nothing is held, and every moment a
   * fixed budget was watched, spent + reserved stayed within it.
   */
  @Property(tries = 8)
  void concurrentReservationsAndLimitChangesLeaveNothingStuck(@ForAll("seeds") long seed) throws Exception {
    MemoryStore store = new MemoryStore("threads", ZoneOffset.UTC);
    store.putBudget("fixed", new BigDecimal("0.50"), null, T0);
    store.putBudget("moving", new BigDecimal("0.30"), null, T0);
    String[] keys = {"fixed", "moving"};
    int threads = 4;
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong charged = new AtomicLong();
    List<Future<?>> done = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        done.add(pool.submit(() -> {
          start.await();
          ThreadLocalRandom rnd = ThreadLocalRandom.current();
          for (int i = 0; i < 2_000; i++) {
            long amount = rnd.nextLong(0, 10) * CENT;
            long id = store.newReservationId();
            if (store.reserve(id, keys, amount, T0, T0.plus(LEASE)).isOk()) {
              BudgetSnapshot fixed = store.snapshot("fixed", T0).orElseThrow();
              assertThat(fixed.currentCost().add(fixed.reserved())).isLessThanOrEqualTo(fixed.totalBudget());
              long actual = rnd.nextBoolean() ? 0 : amount / 2;
              store.settle(id, actual, actual == 0 ? null : "gpt-4o", T0);
              charged.addAndGet(actual);
            }
          }
          return null;
        }));
      }
      done.add(pool.submit(() -> {
        start.await();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < 500; i++) {
          switch (rnd.nextInt(3)) {
            case 0: store.putBudget("moving", null, null, T0); break;
            case 1: store.putBudget("moving", new BigDecimal("0.0" + rnd.nextInt(1, 10)), null, T0); break;
            default: store.resetCost("fixed", T0); break;
          }
          Thread.onSpinWait();
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.snapshot("fixed", T0).orElseThrow().reserved()).isZero();
    assertThat(store.snapshot("moving", T0).orElseThrow().reserved()).isZero();
    assertThat(Picodollars.of(store.snapshot("moving", T0).orElseThrow().currentCost())).isEqualTo(charged.get());
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }
}
