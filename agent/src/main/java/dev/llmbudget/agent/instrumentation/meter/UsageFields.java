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
 * A stream event that reports usage, read into a tree straight from the parser's tokens (cheaper
 * than the mapper's deserialization context for these small values), which core's {@code UsageJson}
 * reads. A whole answer's usage is read from its bytes by core's {@code UsageBytes} instead.
 */
final class UsageFields {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private UsageFields() {}

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
}
