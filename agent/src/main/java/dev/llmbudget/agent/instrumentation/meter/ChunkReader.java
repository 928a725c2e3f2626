package dev.llmbudget.agent.instrumentation.meter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.UsageBytes;
import dev.llmbudget.internal.UsageJson;
import dev.llmbudget.tokens.TokenCounter;

/**
 * Learns a response's usage from its JSON chunks: the whole body, or one server-sent event each,
 * whichever provider sent it. Events with a {@code type} are OpenAI Responses or Anthropic stream
 * events; anything else (OpenAI and Azure chat chunks, Gemini chunks, whole answers) is read by
 * core's {@link UsageJson}, the last usage reported winning (Gemini repeats a growing count in
 * every chunk; OpenAI sends it once, last). The text is kept, bounded, for an estimate when no usage comes.
 */
final class ChunkReader {

  private String model;
  private Usage usage;
  private Usage anthropicStart;
  private JsonNode anthropicDelta;
  private final StreamedText text = new StreamedText();
  private EventLine events;

  ChunkReader(String model) {
    this.model = model;
  }

  /**
   * One server-sent event's JSON in {@code b[from, to)}, read in place; only a typed event that
   * reports usage (or one {@code UsageBytes} gives up on) is read as a tree.
   */
  void event(byte[] b, int from, int to) throws java.io.IOException {
    if (events == null) {
      events = new EventLine(text);
    }
    String named = events.readUnlessUsage(b, from, to, model);
    if (events.sawUsage()) {
      // A chunk without a type (chat, Gemini, Ollama) has its usage read in place, as a whole
      // answer's is, and its text as any other chunk's; typed events and shapes only a parser
      // reads exactly still go through a tree.
      Usage u = EventLine.namesType(b, from, to) ? null : UsageBytes.read(b, from, to, model);
      if (u == null) {
        chunk(UsageFields.tree(b, from, to));
        return;
      }
      reported(u);
      events.read(b, from, to, model);
      return;
    }
    model = named;
  }

  /** A whole answer's usage, read from its bytes. */
  void reported(Usage u) {
    usage = u;
    model = u.model();
  }

  void chunk(JsonNode chunk) {
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
    JsonNode type = chunk.get("type");
    if (type == null || !typedEvent(type.asText(), chunk)) {
      untyped(chunk);
    }
  }

  /** OpenAI Responses and Anthropic stream events; {@code false} for any other type. */
  private boolean typedEvent(String type, JsonNode e) {
    switch (type) {
      case "response.output_text.delta":
      case "response.refusal.delta":
      case "response.function_call_arguments.delta":
      case "response.reasoning_summary_text.delta":
        text(e.get("delta"));
        return true;
      case "response.completed":
      case "response.incomplete":
      case "response.failed":
        Usage u = UsageJson.fromResponse(e.get("response"), model);
        if (u != null) {
          usage = u;
        }
        return true;
      case "message_start":
        anthropicStart = UsageJson.fromResponse(e.get("message"), model);
        if (anthropicStart != null) {
          model = anthropicStart.model();
        }
        return true;
      case "content_block_delta":
        JsonNode delta = e.path("delta");
        text(delta.get("text"));
        text(delta.get("partial_json"));
        text(delta.get("thinking"));
        return true;
      case "message_delta":
        JsonNode du = e.get("usage");
        if (du != null && du.isObject()) {
          anthropicDelta = du;
        }
        return true;
      default:
        return false;
    }
  }

  /** A chat or Gemini chunk, or a whole answer (an Anthropic {@code message} among them). */
  private void untyped(JsonNode chunk) {
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
    for (JsonNode choice : chunk.path("choices")) {
      JsonNode delta = choice.get("delta");
      if (delta != null) {
        text(delta.get("content"));
        text(delta.get("refusal"));
        for (JsonNode call : delta.path("tool_calls")) {
          text(call.path("function").get("arguments"));
        }
      } else if (choice.has("message")) {
        text(choice.path("message").get("content"));
      } else {
        text(choice.get("text"));
      }
    }
    for (JsonNode candidate : chunk.path("candidates")) {
      for (JsonNode part : candidate.path("content").path("parts")) {
        text(part.get("text"));
      }
    }
  }

  private void text(JsonNode t) {
    if (t == null || !t.isTextual()) {
      return;
    }
    text.append(t.asText());
  }

  /** The usage reported, or {@code null} when none was. */
  Usage usage() {
    return usage != null ? usage : anthropicUsage();
  }

  String model() {
    return model;
  }

  /** The text the answer streamed, bounded; {@link BodyMeter} adds what it dropped unread. */
  StreamedText text() {
    return text;
  }

  /** Anthropic streams report input and cache tokens at the start and the output count at the end. */
  private Usage anthropicUsage() {
    if (anthropicStart == null) {
      return null;
    }
    Usage s = anthropicStart;
    JsonNode d = anthropicDelta;
    if (d == null) {
      long counted = text.isEmpty() ? 0 : text.tokens(TokenCounter.forModel(s.model()));
      return new Usage(s.model(), s.inputTokens(), Math.max(s.outputTokens(), counted), s.cacheReadTokens(),
          s.cacheWrite5mTokens(), s.cacheWrite1hTokens(), 0, true);
    }
    return new Usage(s.model(),
        Math.max(s.inputTokens(), UsageJson.num(d, "input_tokens")),
        d.has("output_tokens") ? UsageJson.num(d, "output_tokens") : s.outputTokens(),
        Math.max(s.cacheReadTokens(), UsageJson.num(d, "cache_read_input_tokens")),
        Math.max(s.cacheWrite5mTokens(), UsageJson.num(d, "cache_creation_input_tokens")),
        s.cacheWrite1hTokens(), 0, false);
  }
}
