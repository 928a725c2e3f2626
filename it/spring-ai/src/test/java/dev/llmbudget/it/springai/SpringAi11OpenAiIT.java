package dev.llmbudget.it.springai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import org.junit.jupiter.api.Test;

/** Spring AI 1.1.2 (newest 1.x) OpenAI, on Spring's REST clients: metered at the Spring AI seam. */
class SpringAi11OpenAiIT extends OpenAiCase {
  @Override
  String classPath() {
    return ChildJvm.springAi11();
  }

  @Override
  String factory() {
    return "dev.llmbudget.it.springai.Models1";
  }

  @Test
  void aFiftyMegabyteStreamedAnswerIsChargedItsUsageWhileTheSeamKeepsABoundedPartOfItsText() throws Exception {
    // 17.5 M chars, 50 MB of UTF-8, in 1000 chunks: the seam's text buffer would need 35-100 MB of a 128 MB heap.
    StringBuilder huge = new StringBuilder(18 << 20);
    while (huge.length() * 3L < (50 << 20)) {
      huge.append("\u9884\u7b97\u5728\u7cdf\u7cd5\u7684\u65e5\u5b50\u91cc\u4f9d\u7136\u6709\u6548\u3002");
    }
    server.reply(huge.toString(), 1000); // 52 KB events: WebClient refuses one over 256 KB
    String[] args = {factory(), provider(), baseUrl(), model(), "100", "stream-count@alice"};
    ChildJvm.Result r = new ChildJvm().classPath(classPath()).agentArgs("store=memory,max_budget=10")
        .jvmArg(System.getProperty("it.hugeHeap", "-Xmx128m")).run(args);

    assertThat(r.exitCode).as(r.output).isZero();
    assertThat(r.step("stream-count@alice")).isEqualTo("OK " + huge.length());
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
    // The seam that kept all the text ran this heap out of memory (and swallowed it): it must not.
    assertThat(r.output).doesNotContain("OutOfMemoryError");
  }

  @Test
  void theAppRunsUnchangedWithoutTheAgentAndWithAModelThePriceTableLacks() throws Exception {
    String[] args = {factory(), provider(), baseUrl(), "my-private-finetune", "100", "sync@alice", "stream@alice"};
    ChildJvm.Result without = new ChildJvm().classPath(ChildJvm.withCore(classPath())).withoutAgent()
        .jvmArg("-Dllmbudget.store=memory").run(args);
    assertThat(without.exitCode).as(without.output).isZero();
    assertThat(without.step("sync@alice")).startsWith("OK Hello");
    assertThat(without.step("stream@alice")).isEqualTo("OK Hello from the fake LLM server.");

    // The default unknown-model policy lets the calls go out, warns once and charges nothing.
    ChildJvm.Result with = new ChildJvm().classPath(classPath()).agentArgs("store=memory,max_budget=10").run(args);
    assertThat(with.exitCode).as(with.output).isZero();
    assertThat(with.step("sync@alice")).startsWith("OK Hello");
    assertThat(with.step("stream@alice")).isEqualTo("OK Hello from the fake LLM server.");
    assertThat(with.output).contains("my-private-finetune' is not in the price table");
    assertThat(with.spent("alice")).isZero();
    assertThat(server.requests(llmPath())).isEqualTo(4);
  }

  /**
   * One image on gpt-4o-mini may bill 48,169 input tokens ($0.0072): a budget of $0.001 pays for the
   * text of a call many times over, not for the image a user message carries as Spring AI {@code
   * Media}, so the call is refused before anything is sent, naming the image; under a budget of $0.01
   * it goes out and is charged what the server reports.
   */
  @Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.001", 100, "budget:bob=0.01",
        "image@alice", "image@bob");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("REFUSAL image ")).contains("incl. 1 image (48,169 tokens)");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.step("image@bob")).startsWith("OK Hello");
    assertThat(server.requests(llmPath())).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("bob")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
  }
}
