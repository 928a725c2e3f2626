package dev.llmbudget.pricing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Streams a LiteLLM-format price table into {@link ModelPrice}s, reading only the fields pricing
 * needs and skipping the rest unparsed: the bundled table is 1.6 MB and start-up time matters.
 */
final class PriceTableParser {

  private static final JsonFactory JSON = JsonFactory.builder().build();

  /** Where each accepted entry goes: into a {@link ModelPrice}, or into the compiled index. */
  interface Sink {
    void entry(String model, String provider, String mode, long maxInputTokens, long maxOutputTokens,
        Map<String, BigDecimal> prices) throws IOException;
  }

  private final String source;
  private JsonParser parser;
  /** The entry being read, so that every error can name it. */
  private String model;

  private PriceTableParser(String source) {
    this.source = source;
  }

  /** Entries in file order. Entries with no token price (images, audio seconds...) are left out. */
  static Map<String, ModelPrice> parse(InputStream in, String source) {
    Map<String, ModelPrice> models = new LinkedHashMap<>(4096);
    parse(in, source, (model, provider, mode, maxInput, maxOutput, prices) ->
        models.put(model, ModelPrice.of(model, provider, mode, maxInput, maxOutput, prices)));
    return models;
  }

  /** Hands each accepted entry, in file order, to {@code sink}. */
  static void parse(InputStream in, String source, Sink sink) {
    PriceTableParser reader = new PriceTableParser(source);
    try (JsonParser parser = JSON.createParser(in)) {
      reader.parser = parser;
      reader.table(sink);
    } catch (JsonProcessingException e) {
      throw new PriceTableException(where(source, reader.model, null, e.getLocation())
          + "not valid JSON: " + e.getOriginalMessage(), e);
    } catch (NumberFormatException e) {
      // a number no BigDecimal can hold (1e99999999999): the parser throws it untyped
      throw new PriceTableException(where(source, reader.model, null, null) + "not valid JSON: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new PriceTableException(source + ": could not read the price table: " + e, e);
    }
  }

  private void table(Sink sink) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw fail(null, "the top level must be a JSON object of model name to prices");
    }
    int accepted = 0;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      model = parser.currentName();
      JsonToken value = parser.nextToken();
      if (value == JsonToken.START_OBJECT
          && !"sample_spec".equals(model) && !"fallback_generalizations".equals(model)) {
        if (entry(sink)) {
          accepted++;
        }
      } else {
        parser.skipChildren();
      }
    }
    model = null;
    if (accepted == 0) {
      throw new PriceTableException(source + ": the price table has no model with a token price");
    }
  }

  /** Reads one entry and hands it to {@code sink}; false if it has no token price. */
  private boolean entry(Sink sink) throws IOException {
    Map<String, BigDecimal> prices = new HashMap<>();
    String provider = "";
    String mode = "";
    long maxInput = -1;
    long maxOutput = -1;
    long maxTokens = -1;
    boolean pricedInOtherUnits = false;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if (ModelPrice.isPriceField(field)) {
        BigDecimal price = price(field, value);
        if (price != null) {
          prices.put(field, price);
        }
      } else if (value == JsonToken.VALUE_STRING && "litellm_provider".equals(field)) {
        provider = parser.getText();
      } else if (value == JsonToken.VALUE_STRING && "mode".equals(field)) {
        mode = parser.getText();
      } else if (value.isNumeric() && "max_input_tokens".equals(field)) {
        maxInput = tokenLimit();
      } else if (value.isNumeric() && "max_output_tokens".equals(field)) {
        maxOutput = tokenLimit();
      } else if (value.isNumeric() && "max_tokens".equals(field)) {
        maxTokens = tokenLimit();
      } else if (value.isNumeric() && isOtherUnitPrice(field)) {
        pricedInOtherUnits |= parser.getDecimalValue().signum() > 0;
      } else {
        // Capabilities, limits of an odd type, nested objects: nothing pricing needs.
        parser.skipChildren();
      }
    }
    if (!prices.containsKey(ModelPrice.INPUT) && !prices.containsKey(ModelPrice.OUTPUT)) {
      return false;
    }
    if (pricedInOtherUnits && prices.entrySet().stream()
        .allMatch(p -> p.getValue().signum() == 0 || ModelPrice.isServiceTierField(p.getKey()))) {
      // Image, rerank and similar entries write 0.0 token prices next to their real price per
      // pixel or query; answering "free" for them would silently un-budget the call (a priority
      // price beside them does not make the standard tier, the usual one, any less free).
      return false;
    }
    sink.entry(model, provider, mode, maxInput, maxOutput >= 0 ? maxOutput : maxTokens, prices);
    return true;
  }

  /** A price per image, pixel, second, character, query...: a unit this table cannot charge. */
  private static boolean isOtherUnitPrice(String field) {
    return field.contains("cost_per_") && !field.contains("token");
  }

  /** A price from the JSON text, never through a double; null (JSON null) means absent. */
  private BigDecimal price(String field, JsonToken value) throws IOException {
    BigDecimal price;
    if (value.isNumeric()) {
      price = new BigDecimal(parser.getText());
    } else if (value == JsonToken.VALUE_NULL) {
      return null;
    } else if (value == JsonToken.VALUE_STRING) {
      // LiteLLM accepts numbers written as strings ("3e-7"), so a hand-edited table may have them.
      String text = parser.getText().trim();
      try {
        price = new BigDecimal(text);
      } catch (NumberFormatException e) {
        throw fail(field, "expected a price in US dollars per token, got \"" + text + "\"");
      }
    } else {
      throw fail(field, "expected a price in US dollars per token, got " + describe(value));
    }
    if (outOfRange(price)) {
      // Checked on the exponent, before anything expands 1e100000000 into a hundred million digits.
      String text = price.toString();
      throw fail(field, "a price per token must be below $10^20 with at most 1,000 decimal places, got "
          + (text.length() <= 40 ? text : text.substring(0, 40) + "..."));
    }
    if (price.signum() < 0) {
      throw fail(field, "a price cannot be negative, got " + price.toPlainString());
    }
    return price;
  }

  private long tokenLimit() throws IOException {
    // Some entries write limits as 2000000.0; anything absurd is just not a usable limit.
    BigDecimal limit = parser.getDecimalValue();
    return limit.signum() < 0 || outOfRange(limit) || limit.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0
        ? -1 : limit.longValue();
  }

  private static boolean outOfRange(BigDecimal d) {
    return d.signum() != 0 && (d.precision() - d.scale() > 20 || d.scale() > 1000);
  }

  private PriceTableException fail(String field, String problem) {
    return new PriceTableException(
        where(source, model, field, parser.currentTokenLocation()) + problem);
  }

  private static String where(String source, String model, String field, JsonLocation at) {
    StringBuilder s = new StringBuilder(source);
    if (at != null && at.getLineNr() > 0) {
      s.append(':').append(at.getLineNr()).append(':').append(at.getColumnNr());
    }
    s.append(": ");
    if (model != null) {
      s.append("model '").append(model).append('\'');
      if (field != null) {
        s.append(", field '").append(field).append('\'');
      }
      s.append(": ");
    }
    return s.toString();
  }

  private static String describe(JsonToken token) {
    switch (token) {
      case START_OBJECT: return "an object";
      case START_ARRAY: return "an array";
      case VALUE_TRUE: case VALUE_FALSE: return "a boolean";
      default: return token.asString() != null ? token.asString() : token.name();
    }
  }
}
