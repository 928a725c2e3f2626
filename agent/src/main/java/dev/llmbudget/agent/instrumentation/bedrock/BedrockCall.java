package dev.llmbudget.agent.instrumentation.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.meter.StreamedText;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.internal.UsageJson;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One metered Bedrock call between its reservation and its settlement, which happens once: with
 * the usage Bedrock reported, else an estimate from the prompt and the text received, else (a
 * failed call that reported nothing) not at all. An answer the agent could not read is charged
 * what the call reserved and counted as unmetered.
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
  /** An event the agent could not read: the text received is short of what was answered. */
  private Throwable unreadEvent;
  /** Set when the caller's stream handler could not be wrapped: the agent sees none of its events. */
  private volatile Throwable unfollowed;

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
      if (usage == null) {
        // looked for only here, so an answer that reports its usage costs no lookup
        if (!Accessors.has(response, "usage") && !Accessors.has(response, "body")) {
          throw new IllegalStateException(response.getClass().getName() + " has neither usage() nor body(): a "
              + "Bedrock answer of a shape the agent does not know");
        }
        usage = estimate(answerText(response));
      }
      call.commit(usage);
    } catch (Throwable t) {
      chargeReserved("a Bedrock answer", t);
    }
  }

  /**
   * The call was answered (the provider bills it) but the agent cannot read what it cost: it pays
   * its reservation, the worst case, and is counted as unmetered rather than released uncharged.
   */
  private void chargeReserved(String what, Throwable cause) {
    Log.warnOnce("bedrock-unread:" + cause.getClass().getName(), "llm-budget: could not read " + what + " (" + cause
        + "); the call is charged what it reserved and counted as unmetered", cause);
    call.chargeReserved();
    CallCounters.unmetered();
  }

  private Usage usageOf(Object response) throws java.io.IOException {
    Object tokenUsage = Accessors.read(response, "usage");
    if (tokenUsage != null) {
      return BedrockUsage.fromTokenUsage(model(), tokenUsage);
    }
    byte[] body = Accessors.readBytes(Accessors.read(response, "body"));
    java.io.IOException unparsed = null;
    if (body != null && body.length > 0 && body[0] == '{') {
      try {
        Usage u = BedrockUsage.fromBody(model(), SdkJson.MAPPER.readTree(body));
        if (u != null) {
          return u;
        }
      } catch (java.io.IOException e) {
        unparsed = e; // the headers may still carry the counts
      }
    }
    Usage headers = BedrockUsage.fromHeaders(model(), Accessors.read(response, "sdkHttpResponse"));
    if (headers == null && unparsed != null) {
      throw unparsed;
    }
    return headers;
  }

  private static CharSequence answerText(Object response) throws java.io.IOException {
    StringBuilder out = new StringBuilder();
    Object message = Accessors.read(Accessors.read(response, "output"), "message");
    for (Object block : Accessors.readList(message, "content")) {
      String t = Accessors.readText(block, "text");
      if (t != null) {
        out.append(t);
      }
    }
    byte[] body = Accessors.readBytes(Accessors.read(response, "body"));
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
      Object delta = Accessors.read(event, "delta");
      if (delta != null) {
        text(Accessors.readText(delta, "text"));
        text(Accessors.readText(Accessors.read(delta, "toolUse"), "input"));
        text(Accessors.readText(Accessors.read(delta, "reasoningContent"), "text"));
        return;
      }
      Object tokenUsage = Accessors.read(event, "usage");
      if (tokenUsage != null) {
        reported = BedrockUsage.fromTokenUsage(model(), tokenUsage);
        return;
      }
      byte[] chunk = Accessors.readBytes(Accessors.read(event, "bytes"));
      if (chunk != null && chunk.length > 0) {
        onChunk(SdkJson.MAPPER.readTree(chunk));
      }
    } catch (Throwable t) {
      // Its text is lost to the estimate: unless Bedrock reports the usage later, the stream pays its reservation.
      Log.warnOnce("bedrock-event:" + t.getClass().getName(), "llm-budget: could not read a Bedrock stream event ("
          + t + "); unless the stream reports its usage, it is charged what it reserved", t);
      if (unreadEvent == null) {
        unreadEvent = t;
      }
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
   * with nothing received releases the reservation; an answer the agent could not read (an event,
   * or a whole stream it could not follow, that reported no usage) is charged what was reserved.
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
      } else if (unreadEvent != null) {
        chargeReserved("a Bedrock stream event", unreadEvent);
      } else if (unfollowed != null) {
        chargeReserved("a Bedrock stream whose handler it could not follow", unfollowed);
      } else {
        call.commit(call.estimate(model(), text));
      }
    } catch (Throwable t) {
      chargeReserved("a Bedrock stream", t);
    }
  }

  /** The caller's handler could not be wrapped: the stream, if it completes, cannot be charged what it cost. */
  void unfollowed(Throwable cause) {
    unfollowed = cause;
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
