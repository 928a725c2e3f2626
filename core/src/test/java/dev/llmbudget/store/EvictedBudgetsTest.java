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
}
