package dev.llmbudget.agent.instrumentation.meter;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbudget.internal.SdkJson;
import java.io.IOException;

/**
 * The members of a whole JSON answer that say its usage and model, read with a streaming parser
 * that skips everything else (the answer's text above all) without decoding it, into a small tree
 * that core's {@code UsageJson} reads as it would the whole answer.
 */
final class UsageFields {

  private UsageFields() {}

  /** The usage and model members of the JSON object in {@code b[0, len)}, or {@code null} when it is not an object. */
  static ObjectNode read(byte[] b, int len) throws IOException {
    try (JsonParser p = SdkJson.MAPPER.getFactory().createParser(b, 0, len)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      ObjectNode out = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (value == null) {
          break;
        }
        if (isUsageOrModel(name)) {
          if (out == null) {
            out = SdkJson.MAPPER.createObjectNode();
          }
          out.set(name, (JsonNode) SdkJson.MAPPER.readTree(p));
        } else {
          p.skipChildren();
        }
      }
      return out == null ? SdkJson.MAPPER.createObjectNode() : out;
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
