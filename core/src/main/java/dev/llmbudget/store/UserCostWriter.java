package dev.llmbudget.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * Prints the user dict of {@code user_cost.json} with jackson-core alone, the same bytes as {@link
 * UserCostJson#toTree} indented by {@link UserCostJson#MAPPER}. Kept apart from {@link UserCostJson}
 * because that class builds its mapper when loaded: ~200 classes of databind that a JVM writing a
 * new file would otherwise load on its first flush, while its first LLM call is on the way.
 */
final class UserCostWriter {

  private static final JsonFactory FACTORY = new JsonFactory();

  private UserCostWriter() {}

  /**
   * The user dict, keys sorted so files diff well, streamed: with 100,000 users a tree and its
   * BigDecimals were most of a flush's CPU and garbage. Numbers are printed from the longs.
   */
  static byte[] write(Map<String, StoredBudget> budgets) {
    String[] keys = budgets.keySet().toArray(new String[0]);
    Arrays.sort(keys);
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 256 * keys.length);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      for (String key : keys) {
        StoredBudget b = budgets.get(key);
        g.writeFieldName(key);
        g.writeStartObject();
        if (b.limit() != Ledger.Terms.NO_LIMIT) {
          g.writeFieldName("total_budget");
          g.writeNumber(plain(b.limit(), 12));
        }
        g.writeFieldName("current_cost");
        g.writeNumber(plain(b.spent(), 12));
        g.writeFieldName("model_cost");
        g.writeStartObject();
        if (!b.models().isEmpty()) {
          String[] models = b.models().keySet().toArray(new String[0]);
          Arrays.sort(models);
          for (String m : models) {
            g.writeFieldName(m);
            g.writeNumber(plain(b.models().get(m), 12));
          }
        }
        g.writeEndObject();
        if (b.duration() != null) {
          g.writeStringField("duration", b.duration().toString());
        }
        g.writeFieldName("created_at");
        g.writeNumber(seconds(b.createdAt()));
        g.writeFieldName("last_updated_at");
        g.writeNumber(seconds(b.periodStart()));
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialize a user dict", e);
    }
    return out.toByteArray();
  }

  /** {@code units / 10^scale} in plain notation without trailing zeros, as the mapper prints dollars. */
  static String plain(long units, int scale) {
    if (units < 0) {
      return BigDecimal.valueOf(units, scale).stripTrailingZeros().toPlainString();
    }
    long pow = POW10[scale];
    long whole = units / pow;
    long frac = units % pow;
    if (frac == 0) {
      return Long.toString(whole);
    }
    int digits = scale;
    while (frac % 10 == 0) {
      frac /= 10;
      digits--;
    }
    String f = Long.toString(frac);
    StringBuilder sb = new StringBuilder(24).append(whole).append('.');
    for (int i = f.length(); i < digits; i++) {
      sb.append('0');
    }
    return sb.append(f).toString();
  }

  private static final long[] POW10 = new long[19];

  static {
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  private static String seconds(Instant t) {
    return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros()
        .toPlainString();
  }
}
