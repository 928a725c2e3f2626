package dev.llmbudget.it.springai;

import static org.assertj.core.api.Assertions.assertThat;

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
}
