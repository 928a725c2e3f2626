package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent leaves the host's logging as it was: it starts no SLF4J and logs where the host logs. */
class HostLoggingIT {

  static FakeLlmServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start();
    server.usage(20, 10);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  private static ChildJvm.Result openAi(ChildJvm jvm, String... steps) throws Exception {
    String[] args = new String[steps.length + 3];
    args[0] = "openai";
    args[1] = server.baseUrl();
    args[2] = "100";
    System.arraycopy(steps, 0, args, 3, steps.length);
    return jvm.run(SdkApp.class.getName(), args);
  }

  /** slf4j-api on the class path without a provider, as many SDKs bring it, and an app that never logs through it. */
  private static String slf4jWithoutProvider() {
    return ChildClassPath.newest("slf4j-jdk14");
  }

  @Test
  void anAppThatNeverUsedSlf4jGetsNoSlf4jLinesFromTheAgentReadingTheMdc() throws Exception {
    ChildJvm.Result r = openAi(new ChildJvm().classPath(slf4jWithoutProvider())
        .agentArgs("store=memory,max_budget=1,user.max_budget=1,quiet=true"), "sync", "sync");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.output()).doesNotContain("SLF4J");
  }

  @Test
  void ourWarningsGoThroughTheHostsSlf4jOnceTheHostUsesIt() throws Exception {
    // The app puts a user in the MDC (initialising logback), then calls a model the table lacks: warned.
    ChildJvm.Result r = openAi(new ChildJvm().classPath(ChildClassPath.plus(slf4jWithoutProvider(), "logback"))
        .agentArgs("store=memory,max_budget=1,quiet=true").jvmArg("-Dit.model=no-such-model"), "sync%alice");

    assertThat(r.step("sync%alice")).isEqualTo("OK");
    assertThat(r.output()).containsPattern("WARN +dev\\.llmbudget -- llm-budget: model 'no-such-model' is not in the price table")
        .doesNotContain("WARNING: llm-budget");
  }

  @Test
  void usersBoundOnlyThroughAnMdcThatKeepsNothingGetOneWarning() throws Exception {
    ChildJvm.Result r = openAi(new ChildJvm().classPath(slf4jWithoutProvider())
        .agentArgs("store=memory,max_budget=1,user.max_budget=1,quiet=true"), "sync%alice", "sync%bob");

    assertThat(r.step("sync%bob")).isEqualTo("OK");
    assertThat(r.output()).containsOnlyOnce("users bound only through the MDC (key 'userId') get no user budget");
  }

  @Test
  void withoutAUserBudgetAnMdcThatKeepsNothingIsNoConcern() throws Exception {
    ChildJvm.Result r = openAi(new ChildJvm().classPath(slf4jWithoutProvider())
        .agentArgs("store=memory,max_budget=1,quiet=true"), "sync%alice");

    assertThat(r.step("sync%alice")).isEqualTo("OK");
    assertThat(r.output()).doesNotContain("get no user budget");
  }
}
