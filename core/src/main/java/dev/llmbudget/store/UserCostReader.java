package dev.llmbudget.store;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.llmbudget.BudgetDuration;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the user dict of LiteLLM's {@code user_cost.json} with jackson-core alone. The tree reader
 * ({@link UserCostJson}) loads ~200 classes of databind, which a JVM whose file already exists would
 * load at start, and makes a node of every number of every user on each merge. Both readers check
 * entries with the same code ({@link #budgets}), so a file and a hosted store's answer are held to the
 * same rules and messages. Numbers go through {@link BigDecimal} only, as the tree reader's do.
 */
final class UserCostReader {

  private static final JsonFactory FACTORY = new JsonFactory();

  private UserCostReader() {}

  /** One JSON value that is not a user entry or a model breakdown, kept as the tree reader saw it. */
  static class Value {
    /** The JSON type as the tree names it, lower case: number, string, boolean, null, object, array. */
    final String type;
    /** When a number: its value, trailing zeros of a fraction stripped as the tree reader does. */
    final BigDecimal number;
    /** When a string: its text. */
    final String text;
    private final String shown;

    Value(String type, BigDecimal number, String text, String shown) {
      this.type = type;
      this.number = number;
      this.text = text;
      this.shown = shown;
    }

    /** The value as JSON, for a message (printed then, not for every value read). */
    String shown() {
      if (shown != null) {
        return shown;
      }
      return number != null ? number.toString() : '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
    }

    boolean absent() {
      return type.equals("null");
    }
  }

  /** The fields of one user entry that mean something; the others are ignored, as LiteLLM does. */
  static final class Entry {
    Value totalBudget;
    Value currentCost;
    Value duration;
    Value createdAt;
    Value lastUpdatedAt;
    /** Absent, a {@link Value} (an error unless null), or model -> {@link Value}. */
    Object modelCost;
  }

  /** Parses raw bytes; {@code source} names the file or URL in every error message. */
  static Map<String, StoredBudget> parse(byte[] json, String source, Instant now) {
    Map<String, Object> users = new LinkedHashMap<>();
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken root = p.nextToken();
      if (root != JsonToken.START_OBJECT) {
        // Read whole first: a malformed array or string is "not valid JSON", as the tree reader says.
        String found = root == null ? "nothing" : value(p).type;
        throw new BudgetStoreException(source + ": expected a JSON object of user -> budget, found " + found);
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String user = p.currentName();
        users.put(user, p.nextToken() == JsonToken.START_OBJECT ? entry(p) : value(p));
      }
    } catch (JacksonException e) {
      throw new BudgetStoreException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    } catch (NumberFormatException e) {
      // a number no BigDecimal can hold (1e99999999999): the parser throws it untyped
      throw new BudgetStoreException(source + ": not valid JSON: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BudgetStoreException(source + ": cannot read: " + e.getMessage(), e);
    }
    return budgets(users, source, now);
  }

  /** The user entries read, each an {@link Entry} or a {@link Value} (an error), checked in order. */
  static Map<String, StoredBudget> budgets(Map<String, Object> users, String source, Instant now) {
    Map<String, StoredBudget> out = new HashMap<>();
    for (Map.Entry<String, Object> e : users.entrySet()) {
      try {
        if (e.getValue() instanceof Value) {
          throw new Bad("expected a JSON object, found " + ((Value) e.getValue()).type, null);
        }
        out.put(e.getKey(), budget((Entry) e.getValue(), now));
      } catch (Bad bad) {
        throw new BudgetStoreException(source + ": user '" + e.getKey() + "': " + bad.getMessage(), bad.getCause());
      }
    }
    return out;
  }

  /** A user entry refused; its message is completed with the source and user, which a valid file never needs. */
  private static final class Bad extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Bad(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private static Entry entry(JsonParser p) throws IOException {
    Entry entry = new Entry();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "total_budget" -> entry.totalBudget = value(p);
        case "current_cost" -> entry.currentCost = value(p);
        case "duration" -> entry.duration = value(p);
        case "created_at" -> entry.createdAt = value(p);
        case "last_updated_at" -> entry.lastUpdatedAt = value(p);
        case "model_cost" -> {
          if (t == JsonToken.START_OBJECT) {
            Map<String, Value> models = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String model = p.currentName();
              p.nextToken();
              models.put(model, value(p));
            }
            entry.modelCost = models;
          } else {
            entry.modelCost = value(p);
          }
        }
        default -> p.skipChildren();
      }
    }
    return entry;
  }

  /** The value at the parser's current token, read whole. */
  private static Value value(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case VALUE_NUMBER_INT: {
        return new Value("number", p.getDecimalValue(), null, null);
      }
      case VALUE_NUMBER_FLOAT: {
        return new Value("number", stripped(p.getDecimalValue()), null, null);
      }
      case VALUE_STRING: {
        return new Value("string", null, p.getText(), null);
      }
      default: {
        StringWriter shown = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(shown)) {
          copy(p, g);
        }
        return new Value(type(t), null, null, shown.toString());
      }
    }
  }

  /** The value at the parser's current token, printed compact as a JSON tree prints it. */
  private static void copy(JsonParser p, JsonGenerator g) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT:
        g.writeStartObject();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          g.writeFieldName(p.currentName());
          p.nextToken();
          copy(p, g);
        }
        g.writeEndObject();
        break;
      case START_ARRAY:
        g.writeStartArray();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          copy(p, g);
        }
        g.writeEndArray();
        break;
      case VALUE_NUMBER_INT:
        g.writeNumber(p.getDecimalValue());
        break;
      case VALUE_NUMBER_FLOAT:
        g.writeNumber(stripped(p.getDecimalValue()));
        break;
      default:
        g.copyCurrentEvent(p);
    }
  }

  /** As databind's tree stores a fraction (JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES). */
  private static BigDecimal stripped(BigDecimal d) {
    try {
      return d.stripTrailingZeros();
    } catch (ArithmeticException e) {
      return d; // a scale past Integer.MIN_VALUE; out of range either way
    }
  }

  private static String type(JsonToken t) {
    switch (t) {
      case START_OBJECT:
        return "object";
      case START_ARRAY:
        return "array";
      case VALUE_STRING:
        return "string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "boolean";
      case VALUE_NULL:
        return "null";
      default:
        return t.toString().toLowerCase();
    }
  }

  /** One entry; fields missing get LiteLLM's defaults. */
  private static StoredBudget budget(Entry e, Instant now) {
    long limit = isAbsent(e.totalBudget) ? Ledger.Terms.NO_LIMIT : money(e.totalBudget, "total_budget", null);
    long spent = isAbsent(e.currentCost) ? 0 : money(e.currentCost, "current_cost", null);
    Map<String, Long> models = new HashMap<>();
    if (e.modelCost instanceof Value && !((Value) e.modelCost).absent()) {
      throw new Bad("model_cost must be an object of model -> dollars", null);
    }
    if (e.modelCost instanceof Map) {
      @SuppressWarnings("unchecked")
      Map<String, Value> byModel = (Map<String, Value>) e.modelCost;
      for (Map.Entry<String, Value> m : byModel.entrySet()) {
        models.put(m.getKey(), money(m.getValue(), "model_cost", m.getKey()));
      }
    }
    BudgetDuration duration = duration(e.duration);
    Instant created = instant(e.createdAt, "created_at");
    Instant updated = instant(e.lastUpdatedAt, "last_updated_at");
    Instant periodStart = updated != null ? updated : created != null ? created : now;
    return new StoredBudget(limit, duration, created != null ? created : periodStart, periodStart, spent, models);
  }

  private static boolean isAbsent(Value n) {
    return n == null || n.absent();
  }

  /** A field's name in a message: {@code model_cost.gpt-4o} for a model's amount. */
  private static String name(String field, String model) {
    return model == null ? field : field + "." + model;
  }

  /**
   * The number, once its exponent alone shows it is in range: {@code 1e100000000} would take minutes
   * to expand and print as a hundred million digits. Nothing stored here is above 10^20 or written
   * with more than 1,000 decimal places.
   */
  private static BigDecimal bounded(Value n, String field, String model) {
    BigDecimal d = n.number;
    if (d.signum() != 0 && (d.precision() - d.scale() > 20 || d.scale() > 1000)) {
      String text = d.toString();
      throw new Bad(name(field, model) + " is out of range: "
          + (text.length() <= 40 ? text : text.substring(0, 40) + "..."), null);
    }
    return d;
  }

  private static long money(Value n, String field, String model) {
    if (n.number == null || bounded(n, field, model).signum() < 0) {
      throw new Bad(name(field, model) + " must be a number of dollars >= 0, was " + n.shown(), null);
    }
    try {
      return Picodollars.of(n.number);
    } catch (IllegalArgumentException e) {
      throw new Bad(name(field, model) + ": " + e.getMessage(), e);
    }
  }

  private static BudgetDuration duration(Value n) {
    if (isAbsent(n)) {
      return null;
    }
    if (n.number == null && n.text == null) {
      throw new Bad("duration must be days (a number) or text like 'daily', was " + n.shown(), null);
    }
    try {
      return BudgetDuration.fromStored(n.number != null ? bounded(n, "duration", null) : n.text);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new Bad("duration: " + e.getMessage(), e);
    }
  }

  private static Instant instant(Value n, String field) {
    if (isAbsent(n)) {
      return null;
    }
    if (n.number == null) {
      throw new Bad(field + " must be epoch seconds (a number), was " + n.shown(), null);
    }
    BigDecimal s = bounded(n, field, null);
    try {
      long seconds = s.setScale(0, RoundingMode.FLOOR).longValueExact();
      long nanos = s.subtract(BigDecimal.valueOf(seconds)).movePointRight(9).setScale(0, RoundingMode.FLOOR).longValueExact();
      return Instant.ofEpochSecond(seconds, nanos);
    } catch (ArithmeticException | java.time.DateTimeException e) {
      throw new Bad(field + " is out of range: " + n.shown(), e);
    }
  }
}
