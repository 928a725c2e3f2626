package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A 50 MB answer, blocking and streamed, through the real openai-java SDK with the agent attached:
 * the app gets it intact, the call is charged its reported usage, and the agent keeps no copy of
 * it. The child's heap is sized so the app alone fits but an agent that buffered the body (as the
 * 64 MB JSON buffer and the unbounded SSE line buffer did) would not.
 */
class HugeAnswerIT {

  /**
   * Enough for the SDK's own copies of a 50 MB answer (its parser's buffers, the string), not for another:
   * measured, the app with this agent passes at 160 MB and the agent that buffered the JSON body fails at 200 MB.
   */
  static final String HEAP = System.getProperty("it.hugeHeap", "-Xmx192m");
  static FakeLlmServer server;
  static String answer;

  @BeforeAll
  static void start() throws Exception {
    // 50 MB of UTF-8 in 17.5 M chars: Jackson, in the SDK, refuses strings over 20 M chars.
    StringBuilder sb = new StringBuilder(18 << 20);
    String words = "\u9884\u7b97\u5728\u7cdf\u7cd5\u7684\u65e5\u5b50\u91cc\u4f9d\u7136\u6709\u6548\u3002";
    while (sb.length() * 3L < (50 << 20)) {
      sb.append(words);
    }
    answer = sb.toString();
    // 50 pieces: a streamed event of 1 MB of text, each bigger than the agent's per-line cap.
    server = FakeLlmServer.start().usage(20, 10).reply(answer, 50);
  }

  @AfterAll
  static void stop() {
    server.close();
    answer = null;
  }

  @Test
  void aFiftyMegabyteAnswerReachesTheAppIntactAndIsChargedItsReportedUsage() throws Exception {
    ChildJvm.Result r = new ChildJvm().agentArgs("store=memory,max_budget=10").jvmArg(HEAP)
        .run(HugeAnswerApp.class.getName(), server.baseUrl(), "sync@alice", "stream@alice");
    assertThat(r.exitCode()).as(r.output()).isZero();

    String expected = answer.length() + " " + crc(answer);
    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.step("stream@alice")).isEqualTo("OK");
    assertThat(r.value("ANSWER sync ")).isEqualTo(expected);
    assertThat(r.value("ANSWER stream ")).isEqualTo(expected);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10).multiply(java.math.BigDecimal.valueOf(2)));
    assertThat(r.output()).doesNotContain("OutOfMemoryError").doesNotContain("llm-budget: could not");
  }

  private static String crc(String text) {
    CRC32 crc = new CRC32();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return Long.toHexString(crc.getValue());
  }
}
