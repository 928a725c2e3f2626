package dev.llmbudget.agent.instrumentation.meter;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;

/**
 * The members of a whole JSON answer that say its usage and model, read with a streaming parser
 * that skips everything else (the answer's text above all) without decoding it, into a small tree
 * that core's {@code UsageJson} reads as it would the whole answer.
 */
final class UsageFields {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private UsageFields() {}

  /** The usage and model members of the JSON object in {@code b[0, len)}, or {@code null} when it is not an object. */
  static ObjectNode read(byte[] b, int len) throws IOException {
    try (JsonParser p = SdkJson.MAPPER.getFactory().createParser(b, 0, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      ObjectNode out = NODES.objectNode();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == null) {
          break;
        }
        if (isUsageOrModel(name)) {
          out.set(name, node(p, value));
        } else {
          p.skipChildren();
        }
      }
      return out;
    }
  }

  /** The whole JSON value in {@code b[from, to)} as a tree, built straight from the parser's tokens. */
  static JsonNode tree(byte[] b, int from, int to) throws IOException {
    try (JsonParser p = SdkJson.MAPPER.getFactory().createParser(b, from, to - from)) {
      JsonToken t = p.nextToken();
      return t == null ? null : node(p, t);
    }
  }

  /**
   * The value at {@code t}, read without a deserialization context (which costs more than these
   * small values): floats as {@code BigDecimal}, as {@code SdkJson.MAPPER} reads them.
   */
  private static JsonNode node(JsonParser p, JsonToken t) throws IOException {
    if (t == null) {
      throw new IOException("an LLM answer that ends early");
    }
    switch (t) {
      case START_OBJECT: {
        ObjectNode o = NODES.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          o.set(name, node(p, p.nextToken()));
        }
        return o;
      }
      case START_ARRAY: {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY && e != null; e = p.nextToken()) {
          a.add(node(p, e));
        }
        return a;
      }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT:
        return NODES.numberNode(p.getDecimalValue());
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new IOException("unexpected " + t + " in an LLM answer");
    }
  }

  private static boolean isUsageOrModel(String name) {
    switch (name) {
      case "usage":
      case "usageMetadata":
      case "model":
      case "modelVersion":
      case "prompt_eval_count":
      case "eval_count":
        return true;
      default:
        return false;
    }
  }
}
