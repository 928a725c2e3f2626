package dev.llmbudget.store;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes the user dict of LiteLLM's {@code user_cost.json} as a JSON tree, which is also the
 * body of its hosted budget protocol (a file is read by {@link UserCostReader}, written by {@link
 * UserCostWriter}). Numbers go through {@link BigDecimal} only, so no amount ever passes
 * through a double; LiteLLM's numeric durations (days) and float epoch seconds are accepted.
 */
final class UserCostJson {

  static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .build();

  private UserCostJson() {}

  /**
   * Reads a user dict that is already a JSON tree (a hosted store's answer); entries are checked as
   * {@link UserCostReader} checks a file's, with the same messages.
   */
  static Map<String, StoredBudget> fromTree(JsonNode root, String source, Instant now) {
    if (root == null || !root.isObject()) {
      throw new BudgetStoreException(source + ": expected a JSON object of user -> budget, found "
          + (root == null || root.isMissingNode() ? "nothing" : type(root)));
    }
    Map<String, Object> users = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      users.put(e.getKey(), e.getValue().isObject() ? entry(e.getValue()) : value(e.getValue()));
    }
    return UserCostReader.budgets(users, source, now);
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

  private static UserCostReader.Entry entry(JsonNode node) {
    UserCostReader.Entry entry = new UserCostReader.Entry();
    entry.totalBudget = value(node.get("total_budget"));
    entry.currentCost = value(node.get("current_cost"));
    entry.duration = value(node.get("duration"));
    entry.createdAt = value(node.get("created_at"));
    entry.lastUpdatedAt = value(node.get("last_updated_at"));
    JsonNode models = node.get("model_cost");
    if (models != null && models.isObject()) {
      Map<String, UserCostReader.Value> byModel = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> m : models.properties()) {
        byModel.put(m.getKey(), value(m.getValue()));
      }
      entry.modelCost = byModel;
    } else {
      entry.modelCost = value(models);
    }
    return entry;
  }

  /** A node as the checks see it; {@code null} when the field is missing. */
  private static UserCostReader.Value value(JsonNode n) {
    if (n == null) {
      return null;
    }
    return new UserCostReader.Value(type(n), n.isNumber() ? n.decimalValue() : null, n.isTextual() ? n.textValue() : null, null) {
      @Override
      String shown() {
        return n.toString(); // only for a message: not printed for every value read
      }
    };
  }

  private static String type(JsonNode n) {
    return n.getNodeType().toString().toLowerCase();
  }

  private static BigDecimal dollars(long pico) {
    return Picodollars.toDollars(pico).stripTrailingZeros();
  }

  private static BigDecimal seconds(Instant t) {
    return BigDecimal.valueOf(t.getEpochSecond()).add(BigDecimal.valueOf(t.getNano(), 9)).stripTrailingZeros();
  }
}
