package dev.llmbudget.agent.instrumentation.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.meter.BodyMeterTest.RecordingReservation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The usage chunk the agent asked for is removed, as a whole event, from the bytes the SDK reads,
 * wherever the reads cut the stream; every other byte reaches the SDK unchanged, and a stream whose
 * app asked for its usage reaches it as it came.
 */
class UsageChunkFilterTest {

  private static final String CHUNK = "{'id':'chatcmpl-1','object':'chat.completion.chunk','created':1700000000,"
      + "'model':'gpt-5-mini-2025-08-07','service_tier':'default','system_fingerprint':null,"
      + "'choices':[{'index':0,'delta':{%s},'finish_reason':%s}],'usage':null,'obfuscation':'x1'}";
  private static final String USAGE = "{'id':'chatcmpl-1','object':'chat.completion.chunk','created':1700000000,"
      + "'model':'gpt-5-mini-2025-08-07','service_tier':'default','system_fingerprint':null,'choices':[],"
      + "'usage':{'prompt_tokens':24,'completion_tokens':410,'total_tokens':434,"
      + "'prompt_tokens_details':{'cached_tokens':4,'audio_tokens':0},"
      + "'completion_tokens_details':{'reasoning_tokens':384,'audio_tokens':0}},'obfuscation':'y2'}";
  /** What the meter must charge for {@link #USAGE}. */
  private static final Usage REPORTED = new Usage("gpt-5-mini-2025-08-07", 20, 410, 4, 0, 0, 384, false)
      .withServiceTier("default"); // the chunks name the tier that served them

  private static String event(String data, String eol) {
    return "data: " + data.replace('\'', '"') + eol + eol;
  }

  /** Text chunks, the usage chunk when {@code withUsage}, then {@code [DONE]}; one string per event. */
  private static String[] events(String eol, boolean withUsage) {
    String[] text = {
        event(String.format(CHUNK, "'role':'assistant','content':'','refusal':null", "null"), eol),
        // text that looks like the chunk's own members must not fool the filter
        event(String.format(CHUNK, "'content':'Hello, \\'choices\\':[],\\'usage\\':{} [DONE]'", "null"), eol),
        event(String.format(CHUNK, "'content':' world\\n\\ndata: x'", "null"), eol),
        event(String.format(CHUNK, "", "'stop'"), eol),
    };
    String[] all = new String[text.length + (withUsage ? 2 : 1)];
    System.arraycopy(text, 0, all, 0, text.length);
    if (withUsage) {
      all[text.length] = event(USAGE, eol);
    }
    all[all.length - 1] = "data: [DONE]" + eol + eol;
    return all;
  }

  /** The stream of the tests, with its usage chunk, for {@link UsageChunkFilterCpu}. */
  static String[] eventsForBenchmark() {
    return events("\n", true);
  }

  private static String join(String... parts) {
    return String.join("", parts);
  }

  private static String without(String[] events, int index) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < events.length; i++) {
      if (i != index) {
        sb.append(events[i]);
      }
    }
    return sb.toString();
  }

  /** Gives {@code bytes} in reads that end at {@code cuts} (ascending offsets), as a socket may. */
  static InputStream cutAt(byte[] bytes, int... cuts) {
    return new InputStream() {
      private int pos;
      private int next;

      @Override
      public int read() {
        return pos < bytes.length ? bytes[pos++] & 0xff : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (pos >= bytes.length) {
          return -1;
        }
        while (next < cuts.length && cuts[next] <= pos) {
          next++;
        }
        int end = next < cuts.length ? Math.min(cuts[next], bytes.length) : bytes.length;
        int n = Math.min(len, end - pos);
        System.arraycopy(bytes, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }

  private static String readAll(InputStream in, int bufferSize) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[bufferSize];
    int n;
    while ((n = in.read(buf, 0, buf.length)) >= 0) {
      assertThat(n).as("a read returns at least one byte").isPositive();
      out.write(buf, 0, n);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String filtered(InputStream in, int bufferSize) throws IOException {
    return readAll(new UsageChunkFilter(in), bufferSize);
  }

  @Test
  void theUsageChunkIsRemovedWholeWhereverTheReadsCutTheStream() throws IOException {
    for (String eol : new String[] {"\n", "\r\n"}) {
      String[] events = events(eol, true);
      byte[] body = join(events).getBytes(StandardCharsets.UTF_8);
      String expected = without(events, events.length - 2);
      for (int cut = 0; cut <= body.length; cut++) {
        assertThat(filtered(cutAt(body, cut), 8192)).as("cut at %d", cut).isEqualTo(expected);
      }
      // two cuts, and a reader that takes one byte or a few at a time
      for (int cut = 0; cut < body.length; cut += 7) {
        assertThat(filtered(cutAt(body, cut, cut + 3), 5)).as("cuts at %d", cut).isEqualTo(expected);
      }
      // one event a read, as a provider flushes them: the usage chunk is a read of its own
      assertThat(filtered(cutAt(body, eventEnds(events)), 8192)).isEqualTo(expected);
      UsageChunkFilter oneByOne = new UsageChunkFilter(cutAt(body, 1, 2, 3));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int b; (b = oneByOne.read()) >= 0; ) {
        out.write(b);
      }
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected);
    }
  }

  @Test
  void randomReadsGiveTheSameBytes() throws IOException {
    String[] events = events("\n", true);
    byte[] body = join(events).getBytes(StandardCharsets.UTF_8);
    String expected = without(events, events.length - 2);
    Random random = new Random(42);
    for (int round = 0; round < 500; round++) {
      int[] cuts = random.ints(1 + random.nextInt(20), 0, body.length).sorted().toArray();
      assertThat(filtered(cutAt(body, cuts), 1 + random.nextInt(300))).as("cuts %s", java.util.Arrays.toString(cuts))
          .isEqualTo(expected);
    }
    // many short reads into a large array: held tails and reads into the reader's array alternate
    for (int round = 0; round < 500; round++) {
      int[] cuts = random.ints(1 + random.nextInt(200), 0, body.length).sorted().toArray();
      assertThat(filtered(cutAt(body, cuts), 8192)).as("cuts %s", java.util.Arrays.toString(cuts)).isEqualTo(expected);
    }
  }

  @Test
  void everyOtherEventPassesByteForByte() throws IOException {
    // No usage chunk: nothing removed, whatever comes.
    String plain = join(events("\n", false));
    assertThat(filtered(new ByteArrayInputStream(plain.getBytes(StandardCharsets.UTF_8)), 100)).isEqualTo(plain);
    // Azure's first chunk has empty choices and no usage: it is not the usage chunk.
    String azure = event("{'choices':[],'created':0,'id':'','model':'','object':'','prompt_filter_results':"
        + "[{'prompt_index':0,'content_filter_results':{}}]}", "\n");
    // A chunk with choices and usage (Azure's last carries text beside its usage), comments, named
    // events, blank lines, an error event, and a stream that ends without a blank line.
    String rest = event("{'choices':[{'index':0,'delta':{'content':'x'}}],'usage':{'prompt_tokens':1}}", "\n")
        + ": keep-alive\n\n\n" + "event: error\n" + event("{'error':{'message':'overloaded'}}", "\n")
        + "data: [DONE]";
    assertThat(filtered(new ByteArrayInputStream((azure + rest).getBytes(StandardCharsets.UTF_8)), 64))
        .isEqualTo(azure + rest);
    // A JSON error body, as a failed streaming call answers.
    String error = "{\"error\":{\"message\":\"Invalid\",\"type\":\"invalid_request_error\"}}";
    assertThat(filtered(new ByteArrayInputStream(error.getBytes(StandardCharsets.UTF_8)), 16)).isEqualTo(error);
  }

  @Test
  void aUsageChunkThatEndsTheStreamUnterminatedIsRemovedToo() throws IOException {
    String text = event(String.format(CHUNK, "'content':'Hi'", "'stop'"), "\n");
    String body = text + "data: " + USAGE.replace('\'', '"') + "\n";
    assertThat(filtered(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), 50)).isEqualTo(text);
  }

  @Test
  void anEventLongerThanTheHoldIsPassedOnUndecided() throws IOException {
    // choices far into the event: held up to the limit, then passed as it is
    String big = event("{'pad':'" + "x".repeat(UsageChunkFilter.MAX_HELD * 2) + "','choices':[],'usage':{'a':1}}", "\n");
    String done = "data: [DONE]\n\n";
    assertThat(filtered(new ByteArrayInputStream((big + done).getBytes(StandardCharsets.UTF_8)), 8192))
        .isEqualTo(big + done);
  }

  /** Bytes the calling thread allocates filtering {@code body} given one event a read, the least of 5 after warm-up. */
  static long leastBytesToFilter(byte[] body, int[] cuts, byte[] sink) throws IOException {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5_005; round++) {
      InputStream source = cutAt(body, cuts);
      long before = threads.getCurrentThreadAllocatedBytes();
      InputStream in = new UsageChunkFilter(source);
      while (in.read(sink, 0, sink.length) >= 0) {
        // the SDK's reader takes what comes
      }
      if (round >= 5_000) {
        least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
      }
    }
    return least;
  }

  /** Where each event of {@code events} ends in their concatenation. */
  static int[] eventEnds(String[] events) {
    int[] ends = new int[events.length];
    int at = 0;
    for (int i = 0; i < events.length; i++) {
      at += events[i].getBytes(StandardCharsets.UTF_8).length;
      ends[i] = at;
    }
    return ends;
  }

  @Test
  void filteringAStreamReadAnEventAtATimeAllocatesTheFilterAlone() throws IOException {
    String[] events = events("\n", true);
    byte[] body = join(events).getBytes(StandardCharsets.UTF_8);
    long least = leastBytesToFilter(body, eventEnds(events), new byte[8192]);
    System.out.println("UsageChunkFilterTest: bytes allocated filtering a " + body.length + "-byte stream: " + least);
    // the filter (~50 B): each read is decided in the reader's array, nothing is held or copied
    assertThat(least).as("bytes allocated filtering a %d-byte stream", body.length).isLessThan(100);
  }

  @Test
  void readsThatCutEventsAllocateOneSmallBufferWhateverTheStreamsLength() throws IOException {
    String[] events = events("\n", true);
    byte[] body = join(events).getBytes(StandardCharsets.UTF_8);
    int[] ends = eventEnds(events);
    int[] cuts = new int[ends.length];
    for (int i = 0; i < ends.length; i++) {
      cuts[i] = ends[i] - 20; // each read ends inside the event after the one it holds whole
    }
    long least = leastBytesToFilter(body, cuts, new byte[8192]);
    System.out.println("UsageChunkFilterTest: bytes allocated filtering a " + body.length + "-byte stream cut "
        + "inside each event: " + least);
    // the filter and one hold buffer, made at the first held tail (here the usage chunk's ~450 bytes,
    // so 512): nothing per event
    assertThat(least).as("bytes allocated filtering a %d-byte stream", body.length).isLessThan(700);
  }

  /** A meter of a call for gpt-5-mini; {@code hide}: the agent asked the stream for its usage. */
  private static BodyMeter meter(RecordingReservation reservation, boolean hide) {
    MeteredCall call = new MeteredCall(reservation, new LlmRequest("gpt-5-mini", "Say hello.", 1, 0));
    if (hide) {
      call.hideUsageChunk();
    }
    return call.body(200);
  }

  @Test
  void theHiddenUsageIsChargedAsTheUsageOfAStreamThatAskedForIt() throws IOException {
    String[] events = events("\n", true);
    byte[] body = join(events).getBytes(StandardCharsets.UTF_8);

    RecordingReservation asked = new RecordingReservation();
    assertThat(readAll(meter(asked, false).stream(cutAt(body, 100, 700), null), 8192))
        .as("the app asked for its usage: the stream is as it came").isEqualTo(join(events));
    RecordingReservation hidden = new RecordingReservation();
    assertThat(readAll(meter(hidden, true).stream(cutAt(body, 100, 700), null), 8192))
        .isEqualTo(without(events, events.length - 2));

    assertThat(asked.commits).containsExactly(REPORTED);
    assertThat(hidden.commits).containsExactly(REPORTED);
  }
}
