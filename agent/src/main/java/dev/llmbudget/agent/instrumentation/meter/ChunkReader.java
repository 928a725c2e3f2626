package dev.llmbudget.agent.instrumentation.meter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.UsageJson;

/**
 * Learns a response's usage from its JSON chunks: the whole body, or one server-sent event each.
 * The last usage reported wins (Gemini repeats a growing count in every chunk; OpenAI sends it
 * once, last); the text is kept for an estimate when no usage comes at all.
 */
public abstract class ChunkReader {

  /** Streamed text kept for an estimate; a longer stream is counted up to here. */
  private static final int MAX_TEXT_CHARS = 1 << 22;

  private String model;
  private Usage usage;
  private StringBuilder text;

  protected ChunkReader(String model) {
    this.model = model;
  }

  /** Appends the generated text of {@code chunk} with {@link #text(JsonNode)}. */
  protected abstract void collectText(JsonNode chunk);

  final void chunk(JsonNode chunk) {
    if (chunk == null) {
      return;
    }
    if (chunk.isArray()) {
      for (JsonNode c : chunk) {
        chunk(c);
      }
      return;
    }
    if (!chunk.isObject()) {
      return;
    }
    Usage u = UsageJson.fromResponse(chunk, model);
    if (u != null) {
      usage = u;
      model = u.model();
    } else {
      String named = UsageJson.text(chunk, "model");
      if (named != null) {
        model = named;
      }
    }
    collectText(chunk);
  }

  protected final void text(JsonNode t) {
    if (t == null || !t.isTextual()) {
      return;
    }
    if (text == null) {
      text = new StringBuilder(256);
    }
    if (text.length() < MAX_TEXT_CHARS) {
      text.append(t.asText());
    }
  }

  final Usage usage() {
    return usage;
  }

  final String model() {
    return model;
  }

  final CharSequence text() {
    return text == null ? "" : text;
  }
}
