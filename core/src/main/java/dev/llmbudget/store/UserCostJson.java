package dev.llmbudget.store;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbudget.BudgetDuration;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the user dict of LiteLLM's {@code user_cost.json}, which is also the body of its
 * hosted budget protocol. Numbers go through {@link BigDecimal} only, so no amount ever passes
 * through a double; LiteLLM's numeric durations (days) and float epoch seconds are accepted.
 */
final class UserCostJson {

  static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  private UserCostJson() {}

  /** Parses raw bytes; {@code source} names the file or URL in every error message. */
  static Map<String, StoredBudget> parse(byte[] json, String source, Instant now) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JacksonException e) {
      throw new BudgetStoreException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new BudgetStoreException(source + ": cannot read: " + e.getMessage(), e);
    }
    return fromTree(root, source, now);
  }

  /** Reads a user dict that is already a JSON tree; entries missing fields get LiteLLM's defaults. */
  static Map<String, StoredBudget> fromTree(JsonNode root, String source, Instant now) {
    if (root == null || !root.isObject()) {
      throw new BudgetStoreException(source + ": expected a JSON object of user -> budget, found "
          + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().toString().toLowerCase()));
    }
    Map<String, StoredBudget> out = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      out.put(e.getKey(), entry(e.getKey(), e.getValue(), source + ": user '" + e.getKey() + "'", now));
    }
    return out;
  }

  /** The user dict as a JSON tree, keys sorted so files diff well. */
  static ObjectNode toTree(Map<String, StoredBudget> budgets) {
    ObjectNode root = MAPPER.createObjectNode();
    new TreeMap<>(budgets).forEach((key, b) -> {
      ObjectNode o = root.putObject(key);
      if (b.limit() != Ledger.Terms.NO_LIMIT) {
        o.put("total_budget", dollars(b.limit()));
      }
      o.put("current_cost", dollars(b.spent()));
      ObjectNode models = o.putObject("model_cost");
      new TreeMap<>(b.models()).forEach((m, v) -> models.put(m, dollars(v)));
      if (b.duration() != null) {
        o.put("duration", b.duration().toString());
      }
      o.put("created_at", seconds(b.createdAt()));
      o.put("last_updated_at", seconds(b.periodStart()));
    });
    return root;
  }

  private static StoredBudget entry(String key, JsonNode node, String where, Instant now) {
    if (!node.isObject()) {
      throw new BudgetStoreException(where + ": expected a JSON object, found "
          + node.getNodeType().toString().toLowerCase());
    }
    JsonNode limitNode = node.get("total_budget");
    long limit = isAbsent(limitNode) ? Ledger.Terms.NO_LIMIT : money(limitNode, where, "total_budget");
    JsonNode costNode = node.get("current_cost");
    long spent = isAbsent(costNode) ? 0 : money(costNode, where, "current_cost");
    Map<String, Long> models = new HashMap<>();
    JsonNode modelNode = node.get("model_cost");
    if (!isAbsent(modelNode)) {
      if (!modelNode.isObject()) {
        throw new BudgetStoreException(where + ": model_cost must be an object of model -> dollars");
      }
      for (Map.Entry<String, JsonNode> m : modelNode.properties()) {
        models.put(m.getKey(), money(m.getValue(), where, "model_cost." + m.getKey()));
      }
    }
    BudgetDuration duration = duration(node.get("duration"), where);
    Instant created = instant(node.get("created_at"), where, "created_at");
    Instant updated = instant(node.get("last_updated_at"), where, "last_updated_at");
    Instant periodStart = updated != null ? updated : created != null ? created : now;
    return new StoredBudget(limit, duration, created != null ? created : periodStart, periodStart, spent, models);
  }

  private static boolean isAbsent(JsonNode n) {
    return n == null || n.isNull();
  }

  /**
   * The number, once its exponent alone shows it is in range: {@code 1e100000000} would take minutes
   * to expand and print as a hundred million digits. Nothing stored here is above 10^20 or written
   * with more than 1,000 decimal places.
   */
  private static BigDecimal bounded(JsonNode n, String where, String field) {
    BigDecimal d = n.decimalValue();
    if (d.signum() != 0 && (d.precision() - d.scale() > 20 || d.scale() > 1000)) {
      String text = d.toString();
      throw new BudgetStoreException(where + ": " + field + " is out of range: "
          + (text.length() <= 40 ? text : text.substring(0, 40) + "..."));
    }
    return d;
  }

  private static long money(JsonNode n, String where, String field) {
    if (!n.isNumber() || bounded(n, where, field).signum() < 0) {
      throw new BudgetStoreException(where + ": " + field + " must be a number of dollars >= 0, was " + n);
    }
    try {
      return Picodollars.of(n.decimalValue());
    } catch (IllegalArgumentException e) {
      throw new BudgetStoreException(where + ": " + field + ": " + e.getMessage(), e);
    }
  }

  private static BudgetDuration duration(JsonNode n, String where) {
    if (isAbsent(n)) {
      return null;
    }
    if (!n.isNumber() && !n.isTextual()) {
      throw new BudgetStoreException(where + ": duration must be days (a number) or text like 'daily', was " + n);
    }
    try {
      return BudgetDuration.fromStored(n.isNumber() ? bounded(n, where, "duration") : n.textValue());
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new BudgetStoreException(where + ": duration: " + e.getMessage(), e);
    }
  }

  private static Instant instant(JsonNode n, String where, String field) {
    if (isAbsent(n)) {
      return null;
    }
    if (!n.isNumber()) {
      throw new BudgetStoreException(where + ": " + field + " must be epoch seconds (a number), was " + n);
    }
    BigDecimal s = bounded(n, where, field);
    try {
      long seconds = s.setScale(0, RoundingMode.FLOOR).longValueExact();
      long nanos = s.subtract(BigDecimal.valueOf(seconds)).movePointRight(9).setScale(0, RoundingMode.FLOOR).longValueExact();
      return Instant.ofEpochSecond(seconds, nanos);
    } catch (ArithmeticException | java.time.DateTimeException e) {
      throw new BudgetStoreException(where + ": " + field + " is out of range: " + n, e);
    }
  }

  private static BigDecimal dollars(long pico) {
    return Picodollars.toDollars(pico).stripTrailingZeros();
  }

  private static BigDecimal seconds(Instant t) {
    return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros();
  }
}
