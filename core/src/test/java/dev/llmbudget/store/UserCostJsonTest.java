package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UserCostJsonTest {

  /** The streamed writer must print byte for byte what the JSON tree printed, so files diff well across versions. */
  @Test
  void theStreamedFileIsByteForByteTheTreesOutput() throws Exception {
    SplittableRandom r = new SplittableRandom(14);
    BudgetDuration[] durations = {null, BudgetDuration.DAILY, BudgetDuration.MONTHLY, BudgetDuration.fromStored("7d")};
    long[] amounts = {0, 1, 10, 1_000_000_000_000L, 123_456_789_012L, 5_000_000_000_000_000L, Long.MAX_VALUE, 100_000_000L};
    Map<String, StoredBudget> budgets = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      Map<String, Long> models = new HashMap<>();
      for (int m = r.nextInt(4); m > 0; m--) {
        models.put("model-" + r.nextInt(10) + (r.nextBoolean() ? "/é\"x" : ""), pick(r, amounts));
      }
      long limit = r.nextBoolean() ? Ledger.Terms.NO_LIMIT : pick(r, amounts);
      Instant created = Instant.ofEpochSecond(r.nextLong(-5_000_000_000L, 5_000_000_000L), r.nextBoolean() ? 0 : r.nextInt(1_000_000_000));
      Instant start = created.plusMillis(r.nextInt(1_000_000));
      budgets.put((i % 7 == 0 ? "$global" : "user ") + i + (i % 5 == 0 ? "\u00fc\n" : ""),
          new StoredBudget(limit, durations[r.nextInt(durations.length)], created, start, pick(r, amounts), models));
    }

    byte[] streamed = UserCostWriter.write(budgets);

    assertThat(new String(streamed, StandardCharsets.UTF_8))
        .isEqualTo(new String(UserCostJson.MAPPER.writeValueAsBytes(UserCostJson.toTree(budgets)), StandardCharsets.UTF_8));
    assertThat(UserCostReader.parse(streamed, "test", Instant.EPOCH)).isEqualTo(budgets);
  }

  @Test
  void amountsPrintPlainWithoutTrailingZeros() {
    assertThat(UserCostWriter.plain(0, 12)).isEqualTo("0");
    assertThat(UserCostWriter.plain(10_000_000_000_000L, 12)).isEqualTo("10");
    assertThat(UserCostWriter.plain(855_000_000L, 12)).isEqualTo("0.000855");
    assertThat(UserCostWriter.plain(1_000_000_000_001L, 12)).isEqualTo("1.000000000001");
    assertThat(UserCostWriter.plain(Long.MAX_VALUE, 12)).isEqualTo("9223372.036854775807");
    assertThat(UserCostWriter.plain(-1_500_000_000_000L, 12)).isEqualTo("-1.5");
  }

  private static long pick(SplittableRandom r, long[] values) {
    return r.nextInt(3) == 0 ? r.nextLong(0, 1L << 50) : values[r.nextInt(values.length)];
  }
}
