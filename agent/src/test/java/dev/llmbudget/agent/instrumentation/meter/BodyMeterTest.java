package dev.llmbudget.agent.instrumentation.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.tokens.TokenCounter;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BodyMeterTest {

  /** Records how the call was settled. */
  static final class RecordingReservation implements Reservation {
    final List<Usage> commits = new ArrayList<>();
    int releases;

    @Override
    public String user() {
      return null;
    }

    @Override
    public BigDecimal amount() {
      return BigDecimal.ONE;
    }

    @Override
    public BigDecimal commit(Usage usage) {
      commits.add(usage);
      return BigDecimal.ZERO;
    }

    @Override
    public void commit(BigDecimal cost, String model) {
      throw new AssertionError("the agent commits usage, not amounts");
    }

    @Override
    public void release() {
      releases++;
    }

    @Override
    public void close() {
      release();
    }
  }

  private final RecordingReservation reservation = new RecordingReservation();

  private BodyMeter meter(int status, String model) {
    MeteredCall call = new MeteredCall(reservation, new LlmRequest(model, "Say hello to the budget.", 1, 100));
    return new BodyMeter(call, status);
  }

  /** Feeds the body in pieces of {@code step} bytes, as a socket would, then ends it. */
  private static void feed(BodyMeter meter, String body, int step) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += step) {
      meter.accept(bytes, i, Math.min(step, bytes.length - i));
    }
    meter.finish();
  }

  private static String sse(String... data) {
    StringBuilder sb = new StringBuilder();
    for (String d : data) {
      sb.append("data: ").append(d.replace('\'', '"')).append("\r\n\r\n");
    }
    return sb.toString();
  }

  @Test
  void openAiStreamUsageIsReadWhateverTheChunkBoundaries() {
    String body = sse("{'id':'c','model':'gpt-4o-mini','choices':[{'delta':{'content':'Hel'}}],'usage':null}",
        "{'id':'c','model':'gpt-4o-mini','choices':[{'delta':{'content':'lo'}}],'usage':null}",
        "{'id':'c','model':'gpt-4o-mini','choices':[],'usage':{'prompt_tokens':24,'completion_tokens':10,"
            + "'prompt_tokens_details':{'cached_tokens':4},'completion_tokens_details':{'reasoning_tokens':3}}}",
        "[DONE]");
    for (int step : new int[] {1, 7, 64, body.length()}) {
      RecordingReservation r = new RecordingReservation();
      BodyMeter meter = new BodyMeter(new MeteredCall(r, new LlmRequest("gpt-4o-mini", "hi", 1, 100)), 200);
      feed(meter, body, step);
      assertThat(r.commits).as("step %d", step)
          .containsExactly(new Usage("gpt-4o-mini", 20, 10, 4, 0, 0, 3, false));
    }
  }

  @Test
  void anthropicStreamsCombineTheStartAndTheFinalDelta() {
    BodyMeter meter = meter(200, "claude-sonnet-4-5");
    feed(meter, "event: message_start\n" + sse("{'type':'message_start','message':{'model':'claude-sonnet-4-5',"
            + "'usage':{'input_tokens':20,'cache_read_input_tokens':4,'cache_creation_input_tokens':6,'output_tokens':1}}}")
        + "event: content_block_delta\n" + sse("{'type':'content_block_delta','index':0,'delta':{'type':'text_delta','text':'Hi'}}")
        + "event: message_delta\n" + sse("{'type':'message_delta','delta':{'stop_reason':'end_turn'},'usage':{'output_tokens':10}}")
        + sse("{'type':'message_stop'}"), 5);

    assertThat(reservation.commits).containsExactly(new Usage("claude-sonnet-4-5", 20, 10, 4, 6, 0, 0, false));
  }

  @Test
  void responsesStreamsReportUsageInResponseCompleted() {
    BodyMeter meter = meter(200, "gpt-5");
    feed(meter, sse("{'type':'response.output_text.delta','delta':'Hi'}",
        "{'type':'response.completed','response':{'model':'gpt-5','usage':{'input_tokens':20,"
            + "'input_tokens_details':{'cached_tokens':0},'output_tokens':10,'output_tokens_details':{'reasoning_tokens':2},"
            + "'total_tokens':30}}}"), 11);

    assertThat(reservation.commits).containsExactly(new Usage("gpt-5", 20, 10, 0, 0, 0, 2, false));
  }

  @Test
  void aStreamWithoutUsageIsEstimatedFromThePromptAndTheStreamedText() {
    BodyMeter meter = meter(200, "gpt-4o-mini");
    feed(meter, sse("{'model':'gpt-4o-mini','choices':[{'delta':{'content':'Hello there, '}}]}",
        "{'model':'gpt-4o-mini','choices':[{'delta':{'content':'budget.'}}]}", "[DONE]"), 9);

    long prompt = TokenCounter.forModel("gpt-4o-mini").count("Say hello to the budget.") + 3 + 3;
    long output = TokenCounter.forModel("gpt-4o-mini").count("Hello there, budget.");
    assertThat(reservation.commits).containsExactly(new Usage("gpt-4o-mini", prompt, output, 0, 0, 0, 0, true));
  }

  @Test
  void anAnthropicStreamClosedBeforeItsEndIsChargedItsInputAndTheTextSoFar() {
    BodyMeter meter = meter(200, "claude-sonnet-4-5");
    byte[] part = sse("{'type':'message_start','message':{'model':'claude-sonnet-4-5','usage':{'input_tokens':20,'output_tokens':1}}}",
        "{'type':'content_block_delta','index':0,'delta':{'type':'text_delta','text':'Hello there, budget.'}}")
        .getBytes(StandardCharsets.UTF_8);
    meter.accept(part, 0, part.length);
    meter.finish();

    long counted = TokenCounter.forModel("claude-sonnet-4-5").count("Hello there, budget.");
    assertThat(reservation.commits).containsExactly(new Usage("claude-sonnet-4-5", 20, counted, 0, 0, 0, 0, true));
  }

  @Test
  void aJsonResponseIsReadAtItsEnd() {
    BodyMeter meter = meter(200, "gpt-4o-mini");
    feed(meter, "{\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":10}}", 13);

    assertThat(reservation.commits).containsExactly(Usage.of("gpt-4o-mini-2024-07-18", 20, 10));
  }

  @Test
  void aSettledMeterIsNotHeldByTheRegistrationForAbandonedResponses() {
    Object response = new Object(); // the proxied response, still referenced by the app
    BodyMeter meter = meter(200, "gpt-4o-mini");
    meter.settleWhenCollected(response);
    feed(meter, "{\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":10}}", 13);
    WeakReference<BodyMeter> settled = new WeakReference<>(meter);
    meter = null;
    for (int i = 0; i < 5 && settled.get() != null; i++) {
      System.gc();
    }

    // Held, it kept the call and the request's bytes alive until the GC found the response dead and
    // the cleaner's thread ran: every call's graph outlived a young GC.
    assertThat(settled.get()).as("a settled meter reachable only from its abandoned-response registration").isNull();
    assertThat(reservation.commits).containsExactly(Usage.of("gpt-4o-mini", 20, 10));
    Reference.reachabilityFence(response);
  }

  @Test
  void aResponseDroppedBeforeItsBodyEndedIsSettledWhenCollected() throws InterruptedException {
    BodyMeter meter = meter(500, "gpt-4o-mini");
    Object response = new Object();
    meter.settleWhenCollected(response);
    byte[] part = "{\"error\":{\"message\":\"over".getBytes(StandardCharsets.UTF_8);
    meter.accept(part, 0, part.length);
    response = null;
    for (int i = 0; i < 100 && reservation.releases == 0; i++) {
      System.gc();
      Thread.sleep(20);
    }

    assertThat(reservation.releases).as("releases of a failed call whose response was dropped unread").isEqualTo(1);
    assertThat(reservation.commits).isEmpty();
  }

  @Test
  void aFailedCallWithoutUsageIsChargedNothing() {
    BodyMeter meter = meter(429, "gpt-4o-mini");
    feed(meter, "{\"error\":{\"message\":\"rate limited\"}}", 100);

    assertThat(reservation.commits).isEmpty();
    assertThat(reservation.releases).isEqualTo(1);
  }

  @Test
  void endOfStreamAndCloseSettleOnce() {
    BodyMeter meter = meter(200, "gpt-4o-mini");
    feed(meter, "{\"model\":\"gpt-4o-mini\",\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":10}}", 100);
    meter.finish();
    meter.finish();

    assertThat(reservation.commits).hasSize(1);
    assertThat(reservation.releases).isZero();
  }

  /** A JSON answer of {@code chars} chars of text with an escape and a multi-byte char in it, usage at the end. */
  private static String hugeJsonAnswer(int chars) {
    StringBuilder text = new StringBuilder(chars + 16);
    while (text.length() < chars) {
      text.append("word \\n \u00e9\\u00e9 \\\" ");
    }
    return "{\"id\":\"c\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\""
        + text + "\"}}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":123456,\"total_tokens\":123476}}";
  }

  @Test
  void aHugeJsonAnswerIsReadForItsUsageWhileOnlyItsSkeletonIsKept() {
    BodyMeter meter = meter(200, "gpt-4o-mini");
    feed(meter, hugeJsonAnswer(BodyMeter.MAX_JSON_BYTES * 2), 8192);

    assertThat(reservation.commits).containsExactly(new Usage("gpt-4o-mini", 20, 123456, 0, 0, 0, 0, false));
  }

  @Test
  void aHugeStreamedEventIsReadForItsUsageAndAHugeUnreportedOneIsEstimatedFromItsLength() {
    String huge = hugeJsonAnswer(BodyMeter.MAX_LINE_BYTES * 3);
    BodyMeter meter = meter(200, "gpt-4o-mini");
    feed(meter, "data: " + huge + "\n\ndata: [DONE]\n\n", 8192);
    assertThat(reservation.commits).containsExactly(new Usage("gpt-4o-mini", 20, 123456, 0, 0, 0, 0, false));

    // Without usage: 3.1 M chars of text, of which part is kept, must cost at least what the whole text counts.
    reservation.commits.clear();
    StringBuilder events = new StringBuilder();
    String piece = "a budget word ".repeat(100_000 / 14);
    for (int i = 0; i < 31; i++) {
      events.append("data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"").append(piece)
          .append("\"}}]}\n\n");
    }
    BodyMeter unreported = meter(200, "gpt-4o-mini");
    feed(unreported, events.toString(), 65536);
    assertThat(reservation.commits).hasSize(1);
    assertThat(reservation.commits.get(0).estimated()).isTrue();
    assertThat(reservation.commits.get(0).outputTokens())
        .isGreaterThanOrEqualTo(TokenCounter.forModel("gpt-4o-mini").count(piece.repeat(31)));
  }

  @Test
  void aJsonBodyPastTheSkeletonCapIsEstimatedFromItsLength() {
    // Many short strings: nothing to cut, so the skeleton outgrows its cap and is dropped.
    StringBuilder body = new StringBuilder("{\"data\":[");
    while (body.length() < BodyMeter.MAX_JSON_BYTES + 1000) {
      body.append("\"abcdefgh\",");
    }
    body.append("\"z\"]}");
    BodyMeter meter = meter(200, "gpt-4o-mini");
    feed(meter, body.toString(), 8192);

    assertThat(reservation.commits).hasSize(1);
    assertThat(reservation.commits.get(0).outputTokens()).isGreaterThanOrEqualTo(BodyMeter.MAX_JSON_BYTES / 3);
  }

  @Test
  void streamedTextKeepsAPrefixAndChargesTheRestAtLeastOneTokenPerThreeChars() {
    TokenCounter counter = TokenCounter.forModel("gpt-4o-mini");
    StreamedText text = new StreamedText(1000);
    String sentence = "The budget holds on the bad day. ";
    for (int i = 0; i < 100; i++) {
      text.append(sentence);
    }
    long exact = counter.count(sentence.repeat(100));
    assertThat(text.toString()).hasSize(1000);
    assertThat(text.tokens(counter)).isGreaterThanOrEqualTo(exact);

    StreamedText cjk = new StreamedText(100);
    cjk.append("\u9884\u7b97".repeat(500));
    assertThat(cjk.tokens(counter)).isGreaterThanOrEqualTo(counter.count("\u9884\u7b97".repeat(500)) * 9 / 10);
  }

  @Test
  void aWholeAnswersUsageIsReadWithoutAParserOrATree() {
    byte[] body = ("{'id':'chatcmpl-1','object':'chat.completion','created':1,'model':'gpt-4o-mini-2024-07-18',"
        + "'choices':[{'index':0,'message':{'role':'assistant','content':'Hello! How can I help you today?',"
        + "'refusal':null},'logprobs':null,'finish_reason':'stop'}],'usage':{'prompt_tokens':19,"
        + "'completion_tokens':10,'total_tokens':29,'prompt_tokens_details':{'cached_tokens':0,'audio_tokens':0},"
        + "'completion_tokens_details':{'reasoning_tokens':0,'audio_tokens':0}},'system_fingerprint':'fp_1'}")
        .replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 5_000; i++) {
      BodyMeter warm = meter(200, "gpt-4o-mini");
      warm.accept(body, 0, body.length);
      warm.finish();
    }
    reservation.commits.clear();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      BodyMeter m = meter(200, "gpt-4o-mini");
      long before = threads.getCurrentThreadAllocatedBytes();
      m.accept(body, 0, body.length);
      m.finish();
      least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
    }

    assertThat(reservation.commits).hasSize(5)
        .allMatch(u -> u.equals(new Usage("gpt-4o-mini-2024-07-18", 19, 10, 0, 0, 0, 0, false)));
    // the skeleton (the body's size) and the usage read from it; a parser and a tree took ~2 KB more
    System.out.println("BodyMeterTest: bytes allocated metering a " + body.length + "-byte answer read at once: " + least);
    // read in place from the read that holds it whole, by the thread's reused reader: the model's
    // name and the Usage (136 B); a copy of the answer and a reader per answer took 888 B
    assertThat(least).as("bytes allocated metering a %d-byte answer", body.length).isLessThan(256);

    // a first read that ends on a brace inside the answer is not taken for the whole answer
    int cut = new String(body, StandardCharsets.UTF_8).indexOf("},'logprobs'".replace('\'', '"')) + 1;
    BodyMeter split = meter(200, "gpt-4o-mini");
    split.accept(body, 0, cut);
    split.accept(body, cut, body.length - cut);
    split.finish();
    assertThat(reservation.commits).hasSize(6).last()
        .isEqualTo(new Usage("gpt-4o-mini-2024-07-18", 19, 10, 0, 0, 0, 0, false));
  }
  /** An OpenAI chat stream as the provider sends it with {@code include_usage}: text chunks, then usage. */
  private static byte[] openAiStream() {
    String chunk = "{'id':'chatcmpl-1','object':'chat.completion.chunk','created':1700000000,'model':'gpt-4o-mini',"
        + "'system_fingerprint':'fp_1','choices':[{'index':0,'delta':{%s},'finish_reason':%s}],'usage':null}";
    return sse(String.format(chunk, "'role':'assistant','content':''", "null"),
        String.format(chunk, "'content':'Hello! How can'", "null"),
        String.format(chunk, "'content':' I help you'", "null"),
        String.format(chunk, "'content':' today?'", "'stop'"),
        "{'id':'chatcmpl-1','object':'chat.completion.chunk','created':1700000000,'model':'gpt-4o-mini',"
            + "'system_fingerprint':'fp_1','choices':[],'usage':{'prompt_tokens':19,'completion_tokens':10,"
            + "'total_tokens':29,'prompt_tokens_details':{'cached_tokens':0,'audio_tokens':0},"
            + "'completion_tokens_details':{'reasoning_tokens':0,'audio_tokens':0}}}",
        "[DONE]").getBytes(StandardCharsets.UTF_8);
  }

  /** Bytes the calling thread allocates metering {@code body} fed in reads of {@code step}, the least of 5 after warm-up. */
  private long leastBytesToMeter(byte[] body, int step, String model) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5_005; round++) {
      BodyMeter m = meter(200, model);
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < body.length; i += step) {
        m.accept(body, i, Math.min(step, body.length - i));
      }
      m.finish();
      if (round >= 5_000) {
        least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
      }
    }
    return least;
  }

  @Test
  void aStreamsUsageIsReadWithoutATreeAndItsLinesWithoutACopy() {
    byte[] body = openAiStream();
    long whole = leastBytesToMeter(body, body.length, "gpt-4o-mini");
    long inReads = leastBytesToMeter(body, 512, "gpt-4o-mini");

    assertThat(reservation.commits).hasSize(2 * 5_005)
        .allMatch(u -> u.equals(new Usage("gpt-4o-mini", 19, 10, 0, 0, 0, 0, false)));
    // the usage read in place, the text kept for an estimate (640 B); a tree of the usage chunk and a
    // copy of every line took 3,784 B. A line cut by a read is still copied, once.
    assertThat(whole).as("bytes allocated metering a %d-byte stream read at once", body.length).isLessThan(768);
    assertThat(inReads).as("bytes allocated metering a %d-byte stream read 512 bytes at a time", body.length)
        .isLessThan(1_536);
  }
}
