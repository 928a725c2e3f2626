package dev.llmbudget.it.langchain4j;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * langchain4j-open-ai-official calls through openai-java, which the agent meters at its own seam:
 * the LangChain4j seam stands aside, so each call is charged once, not twice.
 */
class OfficialOpenAiLayeredIT {

  static FakeLlmServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start().usage(20, 10);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void aCallLayeredOverOpenAiJavaIsChargedOnceAndStillBlocked() throws Exception {
    ChildJvm.Result r = new ChildJvm().classPath(ChildClassPath.fromFile("llmbudget.it.classpath.official"))
        .agentArgs("store=memory,max_budget=10,user.max_budget=0")
        .run(ChatApp.class.getName(), "official", server.baseUrl(), "100",
            "budget:alice=1", "sync@alice", "stream@alice", "sync@mallory");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.step("stream@alice")).isEqualTo("OK");
    assertThat(r.step("sync@mallory")).isEqualTo("BLOCKED user:mallory");
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(2);
    BigDecimal one = price(Usage.of("gpt-4o-mini", 20, 10));
    assertThat(r.spent("alice")).isEqualByComparingTo(one.multiply(BigDecimal.valueOf(2)));
    assertThat(r.spent("global")).isEqualByComparingTo(r.spent("alice"));
  }
}
