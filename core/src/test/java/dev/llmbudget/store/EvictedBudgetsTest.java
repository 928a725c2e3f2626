package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The packed form gives back exactly what went in, through growth, removal and compaction. */
class EvictedBudgetsTest {

  static EvictedBudgets.Packed packed(int i) {
    String[] models = i % 3 == 0 ? new String[0] : i % 3 == 1 ? new String[] {"gpt-4o"} : new String[] {"o3", "é-模型"};
    long[] costs = new long[models.length];
    for (int m = 0; m < costs.length; m++) {
      costs[m] = (long) i * 1_000_003L + m - (i % 7 == 0 ? Long.MAX_VALUE / 2 : 0);
    }
    return new EvictedBudgets.Packed(i % 5 == 0 ? Ledger.Terms.NO_LIMIT : i * 10L,
        i % 2 == 0 ? null : BudgetDuration.parse(i % 4 == 1 ? "1d" : "30d"), i * 1_000_000_007L, i * 3L, i * 11L,
        i % 2 == 0 ? Long.MAX_VALUE : i * 13L, models, costs);
  }

  static void assertSamePacked(EvictedBudgets.Packed a, EvictedBudgets.Packed b) {
    // by hand: a recursive comparison per budget made this test take a minute and a half
    if (a.limit != b.limit || !java.util.Objects.equals(a.duration, b.duration) || a.createdNanos != b.createdNanos
        || a.spent != b.spent || a.periodStart != b.periodStart || a.nextReset != b.nextReset
        || !java.util.Arrays.equals(a.models, b.models) || !java.util.Arrays.equals(a.costs, b.costs)) {
      assertThat(a).usingRecursiveComparison().isEqualTo(b);
    }
  }

  @Test
  void everyBudgetComesBackExactlyThroughRemovalsAndCompaction() {
    EvictedBudgets packed = new EvictedBudgets();
    Map<String, Integer> expected = new HashMap<>();
    Random rnd = new Random(14);
    for (int round = 0; round < 6; round++) {
      for (int i = 0; i < 20_000; i++) {
        int n = rnd.nextInt(60_000);
        String key = "user-" + n + "-" + "x".repeat(n % 40);
        if (expected.containsKey(key)) {
          assertSamePacked(packed.take(key), packed(expected.remove(key)));
          assertThat(packed.contains(key)).isFalse();
          assertThat(packed.take(key)).isNull();
        } else {
          packed.put(key, packed(n));
          expected.put(key, n);
        }
      }
      assertThat(packed.size()).isEqualTo(expected.size());
      expected.forEach((k, n) -> assertSamePacked(packed.get(k), packed(n)));
      Map<String, Integer> seen = new HashMap<>();
      packed.forEach((k, p) -> seen.merge(k, 1, Integer::sum));
      assertThat(seen.keySet()).isEqualTo(expected.keySet());
      assertThat(seen.values()).allMatch(c -> c == 1);
    }
    // a reset rewrites the period in place and drops the breakdown
    String some = expected.keySet().iterator().next();
    packed.resetPeriod(some, 42, 43);
    EvictedBudgets.Packed r = packed.get(some);
    assertThat(r.spent).isZero();
    assertThat(r.periodStart).isEqualTo(42);
    assertThat(r.nextReset).isEqualTo(43);
    assertThat(r.models).isEmpty();
    assertThat(r.limit).isEqualTo(packed(expected.get(some)).limit);
  }

  @Test
  void keysWithOneHashLongKeysAndManyModelNamesStayApart() {
    EvictedBudgets packed = new EvictedBudgets();
    // "Aa" and "BB" share String.hashCode, so only the bytes tell them apart
    assertThat("Aa".hashCode()).isEqualTo("BB".hashCode());
    String longKey = "k".repeat(300); // a two-byte length
    String[] models = new String[200]; // model name indexes past one varint byte
    long[] costs = new long[200];
    for (int m = 0; m < models.length; m++) {
      models[m] = "model-" + m;
      costs[m] = m * 7L;
    }
    EvictedBudgets.Packed many = new EvictedBudgets.Packed(5, null, 6, 7, 8, 9, models, costs);
    packed.put("Aa", packed(1));
    packed.put("BB", packed(2));
    packed.put(longKey, many);
    assertThat(packed.contains("Aa")).isTrue();
    assertThat(packed.contains("BB")).isTrue();
    assertThat(packed.contains("k".repeat(299))).isFalse();
    assertSamePacked(packed.get("BB"), packed(2));
    assertSamePacked(packed.get(longKey), many);
    assertSamePacked(packed.take("Aa"), packed(1));
    assertThat(packed.get("Aa")).isNull();
    assertSamePacked(packed.get("BB"), packed(2));
    java.util.List<String> keys = new java.util.ArrayList<>();
    packed.forEachKey(keys::add);
    assertThat(keys).containsExactlyInAnyOrder("BB", longKey);
  }

  /**
   * 256 keys of one String hash make one probe run: removing from its middle must shift the rest
   * back so each stays findable. Extreme numbers, resets of two-byte breakdown counts and the
   * compaction they trigger are checked against a plain map.
   */
  @Test
  void oneLongProbeRunSurvivesRemovalsResetsAndCompactionWithExtremeNumbers() {
    java.util.List<String> sameHash = new java.util.ArrayList<>();
    for (int i = 0; i < 256; i++) {
      StringBuilder k = new StringBuilder();
      for (int b = 0; b < 8; b++) {
        k.append((i >> b & 1) == 0 ? "Aa" : "BB");
      }
      sameHash.add(k.toString());
    }
    assertThat(sameHash.stream().mapToInt(String::hashCode).distinct().count()).isEqualTo(1);
    String[] models = new String[200];
    long[] costs = new long[200];
    for (int m = 0; m < models.length; m++) {
      models[m] = "m-" + m + "-" + "x".repeat(20);
      costs[m] = m % 2 == 0 ? Long.MAX_VALUE - m : Long.MIN_VALUE + m;
    }
    EvictedBudgets packed = new EvictedBudgets();
    Map<String, EvictedBudgets.Packed> expected = new HashMap<>();
    Random rnd = new Random(7);
    for (int step = 0; step < 20_000; step++) {
      String key = sameHash.get(rnd.nextInt(sameHash.size()));
      int op = rnd.nextInt(3);
      if (!expected.containsKey(key)) {
        EvictedBudgets.Packed p = new EvictedBudgets.Packed(Long.MAX_VALUE, null, Long.MIN_VALUE + step,
            Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - step, models.clone(), costs.clone());
        packed.put(key, p);
        expected.put(key, p);
      } else if (op == 0) {
        assertSamePacked(packed.take(key), expected.remove(key));
      } else if (op == 1) {
        packed.resetPeriod(key, Long.MIN_VALUE + 1, step);
        EvictedBudgets.Packed old = expected.get(key);
        expected.put(key, new EvictedBudgets.Packed(old.limit, old.duration, old.createdNanos, 0,
            Long.MIN_VALUE + 1, step, new String[0], new long[0]));
      } else {
        assertSamePacked(packed.get(key), expected.get(key));
      }
    }
    assertThat(packed.size()).isEqualTo(expected.size());
    expected.forEach((k, p) -> assertSamePacked(packed.get(k), p));
    for (String k : sameHash) {
      assertThat(packed.contains(k)).isEqualTo(expected.containsKey(k));
    }
  }

  /**
   * An evicted budget resets in the file at the very instant its period ends, as a live one does:
   * the flush writes the new period, not the spend of the one that ended.
   */
  @Test
  void anEvictedBudgetIsResetAtExactlyTheEndOfItsPeriodLikeALiveOne() {
    Ledger evicting = new Ledger(EvictionTest.UTC, true);
    Ledger live = new Ledger(EvictionTest.UTC, false);
    BudgetDuration daily = BudgetDuration.parse("1d");
    for (Ledger l : new Ledger[] {evicting, live}) {
      l.putBudget("daily", 10 * EvictionTest.DOLLAR, daily, EvictionTest.T0, EvictionTest.T0);
      l.charge(new String[] {"daily"}, EvictionTest.DOLLAR, "gpt-4o", EvictionTest.T0);
    }
    evicting.evictIdle();
    assertThat(evicting.evictIdle()).isEqualTo(1);
    java.time.Instant end = EvictionTest.T0.plus(java.time.Duration.ofDays(1));

    for (Ledger l : new Ledger[] {evicting, live}) {
      l.resetDue(end.minusMillis(1));
    }
    assertThat(evicting.storedBudgets()).isEqualTo(live.storedBudgets());
    assertThat(evicting.storedBudgets().get("daily").spent()).isEqualTo(EvictionTest.DOLLAR);
    for (Ledger l : new Ledger[] {evicting, live}) {
      l.resetDue(end);
    }
    assertThat(evicting.storedBudgets()).isEqualTo(live.storedBudgets());
    assertThat(evicting.storedBudgets().get("daily").spent()).isZero();
    assertThat(evicting.storedBudgets().get("daily").periodStart()).isEqualTo(end);
    assertThat(evicting.evictedCount()).as("reset in its packed form, not re-hydrated").isEqualTo(1);
  }

  /** User ids with whole emoji (surrogate pairs) have an exact UTF-8 form: they are evicted and keep their name. */
  @Test
  void userIdsWithWholeEmojiAreEvictedAndComeBackUnderTheirName() {
    Ledger ledger = new Ledger(EvictionTest.UTC, true);
    String[] ids = {"\uD83D\uDE00", "u\uD83D\uDE00", "\uD83D\uDE00\uD83D\uDE01u", "plain", "\u00e9t\u00e9"};
    for (String id : ids) {
      ledger.charge(new String[] {id}, EvictionTest.DOLLAR, "gpt-4o", EvictionTest.T0);
    }
    ledger.evictIdle();
    assertThat(ledger.evictIdle()).isEqualTo(ids.length);
    assertThat(ledger.evictedCount()).isEqualTo(ids.length);
    assertThat(ledger.keys()).containsExactlyInAnyOrder(ids);
    assertThat(ledger.storedBudgets()).containsOnlyKeys(ids);
    for (String id : ids) {
      assertThat(ledger.snapshot(id, EvictionTest.T0).orElseThrow().currentCost()).as(id).isEqualByComparingTo("1");
    }
    // and the lone halves stay live: packed they would come back under another name
    for (String id : new String[] {"\uD83Du", "\uDE00", "u\uD83D", "\uD83D\uD83D"}) {
      assertThat(EvictedBudgets.packable(id)).as(id).isFalse();
    }
  }

  /**
   * Probe runs that wrap around the end of the table: a removal must pull members past the table's
   * end back into the gap, or leave them where their own slot is. Keys are picked by the table's
   * hash (copied here: if it changes, this test only covers less) for homes in the last and first
   * slots of the initial 16, and a budget that cannot be found is a user and its spend lost.
   */
  @Test
  void removalsFromRunsThatWrapAroundTheTablesEndLeaveEveryOtherBudgetFindable() {
    java.util.List<String> nearTheEnd = new java.util.ArrayList<>();
    for (int n = 0; nearTheEnd.size() < 40; n++) {
      String key = "w" + n;
      int h = key.hashCode() * 0x9E3779B9;
      int home = (h ^ (h >>> 16)) & 15;
      if (home >= 13 || home <= 1) {
        nearTheEnd.add(key);
      }
    }
    Random rnd = new Random(3);
    for (int trial = 0; trial < 3_000; trial++) {
      EvictedBudgets packed = new EvictedBudgets();
      Map<String, Integer> expected = new HashMap<>();
      while (expected.size() < 7) { // 7 keys stay in the first table of 16 slots
        String key = nearTheEnd.get(rnd.nextInt(nearTheEnd.size()));
        if (!expected.containsKey(key)) {
          packed.put(key, packed(expected.size()));
          expected.put(key, expected.size());
        }
      }
      for (int removals = 1 + rnd.nextInt(4); removals > 0; removals--) {
        String gone = expected.keySet().stream().skip(rnd.nextInt(expected.size())).findFirst().orElseThrow();
        assertSamePacked(packed.take(gone), packed(expected.remove(gone)));
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
          EvictedBudgets.Packed p = packed.get(e.getKey());
          assertThat(p).as("trial %d: %s after %s was taken", trial, e.getKey(), gone).isNotNull();
          assertSamePacked(p, packed(e.getValue()));
        }
        assertThat(packed.contains(gone)).isFalse();
      }
    }
  }
}
