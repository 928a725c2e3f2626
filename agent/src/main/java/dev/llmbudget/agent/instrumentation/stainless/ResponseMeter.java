package dev.llmbudget.agent.instrumentation.stainless;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.internal.UsageJson;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads the usage of one response from its bytes as they flow past. A JSON body is buffered and
 * parsed at its end; a {@code text/event-stream} body is parsed line by line, keeping only the
 * events that carry usage and the streamed text (for an estimate when no usage comes). The kind
 * is told by the first byte, so an error body of a streaming call is read as the JSON it is.
 */
final class ResponseMeter {

  /** Beyond this a JSON body is passed through without being parsed; the call is estimated. */
  private static final int MAX_JSON_BYTES = 64 << 20;
  /** Streamed text kept for an estimate; a longer stream is counted up to here. */
  private static final int MAX_TEXT_CHARS = 1 << 22;
  private static final byte UNKNOWN = 0;
  private static final byte JSON = 1;
  private static final byte EVENTS = 2;
  private static final byte OVERFLOW = 3;

  private final MeteredCall call;
  private final int status;
  private final AtomicBoolean settled = new AtomicBoolean();
  private byte kind = UNKNOWN;
  private byte[] buf = new byte[512];
  private int len;
  private String model;
  private Usage usage;
  private Usage anthropicStart;
  private JsonNode anthropicDelta;
  private StringBuilder text;
  private final byte[] one = new byte[1];

  ResponseMeter(MeteredCall call, int status) {
    this.call = call;
    this.status = status;
    this.model = call.model();
  }

  void accept(int b) {
    one[0] = (byte) b;
    accept(one, 0, 1);
  }

  void accept(byte[] bytes, int off, int n) {
    if (settled.get()) {
      return;
    }
    try {
      int i = off;
      int end = off + n;
      if (kind == UNKNOWN) {
        while (i < end && Character.isWhitespace(bytes[i])) {
          i++;
        }
        if (i == end) {
          return;
        }
        kind = bytes[i] == '{' || bytes[i] == '[' ? JSON : EVENTS;
      }
      if (kind == JSON) {
        if ((long) len + (end - i) > MAX_JSON_BYTES) {
          kind = OVERFLOW;
          buf = null;
        } else {
          append(bytes, i, end - i);
        }
      } else if (kind == EVENTS) {
        for (int j = i; j < end; j++) {
          if (bytes[j] == '\n') {
            append(bytes, i, j - i);
            line();
            len = 0;
            i = j + 1;
          }
        }
        append(bytes, i, end - i);
      }
    } catch (RuntimeException e) {
      Log.warnOnce("meter:" + e.getClass().getName(), "llm-budget: could not read the usage of an LLM response ("
          + e + "); it is estimated", e);
      kind = OVERFLOW;
    }
  }

  private void append(byte[] bytes, int off, int n) {
    if (n <= 0) {
      return;
    }
    if (len + n > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
    System.arraycopy(bytes, off, buf, len, n);
    len += n;
  }

  /** One SSE line in {@code buf[0, len)}; only {@code data:} lines matter. */
  private void line() {
    int end = len;
    if (end > 0 && buf[end - 1] == '\r') {
      end--;
    }
    if (end < 5 || buf[0] != 'd' || buf[1] != 'a' || buf[2] != 't' || buf[3] != 'a' || buf[4] != ':') {
      return;
    }
    int start = 5;
    if (start < end && buf[start] == ' ') {
      start++;
    }
    if (end - start < 2 || buf[start] != '{') {
      return; // [DONE] and keep-alives
    }
    try {
      event(SdkJson.MAPPER.readTree(buf, start, end - start));
    } catch (java.io.IOException e) {
      // A malformed event is the SDK's problem to report; we just do not learn from it.
    }
  }

  private void event(JsonNode e) {
    JsonNode type = e.get("type");
    if (type == null) {
      chatChunk(e);
      return;
    }
    switch (type.asText()) {
      case "response.output_text.delta":
      case "response.refusal.delta":
      case "response.function_call_arguments.delta":
      case "response.reasoning_summary_text.delta":
        text(e.get("delta"));
        break;
      case "response.completed":
      case "response.incomplete":
      case "response.failed":
        Usage u = UsageJson.fromResponse(e.get("response"), model);
        if (u != null) {
          usage = u;
        }
        break;
      case "message_start":
        anthropicStart = UsageJson.fromResponse(e.get("message"), model);
        if (anthropicStart != null) {
          model = anthropicStart.model();
        }
        break;
      case "content_block_delta":
        JsonNode delta = e.path("delta");
        text(delta.get("text"));
        text(delta.get("partial_json"));
        text(delta.get("thinking"));
        break;
      case "message_delta":
        JsonNode du = e.get("usage");
        if (du != null && du.isObject()) {
          anthropicDelta = du;
        }
        break;
      default:
        break;
    }
  }

  /** OpenAI chat completion / completion chunks: text deltas, and usage in the last one when asked for. */
  private void chatChunk(JsonNode e) {
    String m = UsageJson.text(e, "model");
    if (m != null) {
      model = m;
    }
    for (JsonNode choice : e.path("choices")) {
      JsonNode delta = choice.get("delta");
      if (delta != null) {
        text(delta.get("content"));
        text(delta.get("refusal"));
        for (JsonNode call : delta.path("tool_calls")) {
          text(call.path("function").get("arguments"));
        }
      } else {
        text(choice.get("text"));
      }
    }
    JsonNode u = e.get("usage");
    if (u != null && u.isObject()) {
      usage = UsageJson.fromResponse(e, model);
    }
  }

  private void text(JsonNode t) {
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

  /** Settles the call, once: with the reported usage, else an estimate, else (failed call) nothing. */
  void finish() {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      if (kind == JSON) {
        JsonNode root = SdkJson.MAPPER.readTree(buf, 0, len);
        usage = UsageJson.fromResponse(root, model);
      } else if (kind == EVENTS && len > 0) {
        line();
      }
      buf = null;
      Usage final_ = usage != null ? usage : anthropicUsage();
      boolean ok = status >= 200 && status < 300;
      if (final_ != null) {
        call.commit(final_);
      } else if (ok) {
        call.commit(estimate());
      } else {
        call.release();
      }
    } catch (Throwable t) {
      Log.warnOnce("settle:" + t.getClass().getName(), "llm-budget: could not charge an LLM call (" + t
          + "); its reservation is released", t);
      call.release();
    }
  }

  /** Anthropic streams report input and cache tokens at the start and the output count at the end. */
  private Usage anthropicUsage() {
    if (anthropicStart == null) {
      return null;
    }
    Usage s = anthropicStart;
    JsonNode d = anthropicDelta;
    if (d == null) {
      long counted = text == null ? 0 : call.countTokens(s.model(), text);
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

  private Usage estimate() {
    long output = text == null ? 0 : call.countTokens(model, text);
    return new Usage(model, call.promptTokens(), output, 0, 0, 0, 0, true);
  }

}
