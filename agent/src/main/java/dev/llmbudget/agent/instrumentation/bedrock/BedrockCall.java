package dev.llmbudget.agent.instrumentation.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.StreamedText;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.internal.UsageJson;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One metered Bedrock call between its reservation and its settlement, which happens once: with
 * the usage Bedrock reported, else an estimate from the prompt and the text received, else (a
 * failed call that reported nothing) not at all.
 */
final class BedrockCall {

  private final MeteredCall call;
  private final AtomicBoolean settled = new AtomicBoolean();

  // Stream state, guarded by this.
  private final StreamedText text = new StreamedText();
  private Usage reported;
  private Usage anthropicStart;
  private long anthropicOutput = -1;
  private Usage metrics;
  private boolean received;

  BedrockCall(MeteredCall call) {
    this.call = call;
  }

  String model() {
    return call.model();
  }

  /** The request to send: the copy with a clamped cap, if the call has one, else {@code original}. */
  Object requestToSend(Object original) {
    return call.requestToSend(original);
  }

  /** A whole answer: {@code ConverseResponse} or {@code InvokeModelResponse}. */
  void settle(Object response) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      Usage usage = usageOf(response);
      call.commit(usage != null ? usage : estimate(answerText(response)));
    } catch (Throwable t) {
      Log.warnOnce("bedrock-settle:" + t.getClass().getName(), "llm-budget: could not charge a Bedrock call (" + t
          + "); its reservation is released", t);
      call.release();
    }
  }

  private Usage usageOf(Object response) throws java.io.IOException {
    Object tokenUsage = Accessors.get(response, "usage");
    if (tokenUsage != null) {
      return BedrockUsage.fromTokenUsage(model(), tokenUsage);
    }
    byte[] body = Accessors.bytes(Accessors.get(response, "body"));
    if (body != null && body.length > 0 && body[0] == '{') {
      Usage u = BedrockUsage.fromBody(model(), SdkJson.MAPPER.readTree(body));
      if (u != null) {
        return u;
      }
    }
    return BedrockUsage.fromHeaders(model(), Accessors.get(response, "sdkHttpResponse"));
  }

  private static CharSequence answerText(Object response) throws java.io.IOException {
    StringBuilder out = new StringBuilder();
    Object message = Accessors.get(Accessors.get(response, "output"), "message");
    for (Object block : Accessors.list(message, "content")) {
      String t = Accessors.text(block, "text");
      if (t != null) {
        out.append(t);
      }
    }
    byte[] body = Accessors.bytes(Accessors.get(response, "body"));
    if (body != null && body.length > 0 && body[0] == '{') {
      collectAnswer(SdkJson.MAPPER.readTree(body), out);
    }
    return out;
  }

  /** One event of a stream: a {@code ConverseStreamOutput}, or a {@code PayloadPart} of model-native JSON. */
  synchronized void onEvent(Object event) {
    if (settled.get() || event == null) {
      return;
    }
    try {
      received = true;
      Object delta = Accessors.get(event, "delta");
      if (delta != null) {
        text(Accessors.text(delta, "text"));
        text(Accessors.text(Accessors.get(delta, "toolUse"), "input"));
        text(Accessors.text(Accessors.get(delta, "reasoningContent"), "text"));
        return;
      }
      Object tokenUsage = Accessors.get(event, "usage");
      if (tokenUsage != null) {
        reported = BedrockUsage.fromTokenUsage(model(), tokenUsage);
        return;
      }
      byte[] chunk = Accessors.bytes(Accessors.get(event, "bytes"));
      if (chunk != null && chunk.length > 0) {
        onChunk(SdkJson.MAPPER.readTree(chunk));
      }
    } catch (Throwable t) {
      Log.warnOnce("bedrock-event:" + t.getClass().getName(), "llm-budget: could not read a Bedrock stream event ("
          + t + "); the stream is charged by estimate", t);
    }
  }

  /** A model-native chunk of {@code InvokeModelWithResponseStream}. */
  private void onChunk(JsonNode c) {
    if (c == null || !c.isObject()) {
      return;
    }
    String type = UsageJson.text(c, "type");
    if ("message_start".equals(type)) {
      Usage u = UsageJson.fromResponse(c.get("message"), model());
      anthropicStart = u == null ? null : BedrockUsage.withModel(u, model());
    } else if ("content_block_delta".equals(type)) {
      JsonNode d = c.path("delta");
      text(UsageJson.text(d, "text"));
      text(UsageJson.text(d, "partial_json"));
      text(UsageJson.text(d, "thinking"));
    } else if ("message_delta".equals(type) && c.path("usage").has("output_tokens")) {
      anthropicOutput = UsageJson.num(c.path("usage"), "output_tokens");
    } else {
      StringBuilder piece = new StringBuilder();
      collectAnswer(c, piece);
      text(piece.toString());
    }
    Usage m = BedrockUsage.fromInvocationMetrics(model(), c.get(BedrockUsage.INVOCATION_METRICS));
    if (m != null) {
      metrics = m;
    }
  }

  /** Answer text of the non-Anthropic families: Llama {@code generation}, Titan {@code outputText}, Nova and Mistral text. */
  private static void collectAnswer(JsonNode node, StringBuilder out) {
    if (node.isArray()) {
      for (JsonNode n : node) {
        collectAnswer(n, out);
      }
      return;
    }
    if (!node.isObject()) {
      return;
    }
    for (java.util.Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode v = e.getValue();
      String k = e.getKey();
      if (v.isTextual() && (k.equals("generation") || k.equals("outputText") || k.equals("text")
          || k.equals("completion"))) {
        out.append(v.asText());
      } else if (v.isContainerNode() && !k.equals(BedrockUsage.INVOCATION_METRICS)) {
        collectAnswer(v, out);
      }
    }
  }

  private void text(String t) {
    if (t == null || t.isEmpty()) {
      return;
    }
    text.append(t);
  }

  /**
   * Settles a stream, once: at its end, its failure, or when the caller cancels it. {@code failed}
   * with nothing received releases the reservation.
   */
  synchronized void finish(boolean failed) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    try {
      Usage usage = reported != null ? reported : anthropicUsage();
      if (usage == null) {
        usage = metrics;
      }
      if (usage != null) {
        call.commit(usage);
      } else if (failed && !received) {
        call.release();
      } else {
        call.commit(call.estimate(model(), text));
      }
    } catch (Throwable t) {
      Log.warnOnce("bedrock-settle:" + t.getClass().getName(), "llm-budget: could not charge a Bedrock stream (" + t
          + "); its reservation is released", t);
      call.release();
    }
  }

  /** A call cancelled after it was sent: charged its prompt, see {@link MeteredCall#chargeSent()}. */
  void chargeSent() {
    if (settled.compareAndSet(false, true)) {
      call.chargeSent();
    }
  }

  /** A failed call that reported nothing is charged nothing. */
  void release() {
    if (settled.compareAndSet(false, true)) {
      call.release();
    }
  }

  /** Anthropic streams report input and cache tokens at the start and the output count at the end. */
  private Usage anthropicUsage() {
    if (anthropicStart == null || anthropicOutput < 0) {
      return null;
    }
    Usage s = anthropicStart;
    return new Usage(s.model(), s.inputTokens(), anthropicOutput, s.cacheReadTokens(), s.cacheWrite5mTokens(),
        s.cacheWrite1hTokens(), 0, false);
  }

  private Usage estimate(CharSequence answer) {
    return call.estimate(model(), answer);
  }
}
