package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 2 with the agent attached: per-user budgets from {@code llmbudget.user.budgets} and
 * {@code llmbudget.budgets.file}, no code; a user's own budget beats {@code llmbudget.user.max_budget}.
 */
class ConfiguredBudgetsIT {

  static FakeLlmServer llm;

  @BeforeAll
  static void start() throws Exception {
    llm = FakeLlmServer.start();
  }

  @AfterAll
  static void stop() {
    llm.close();
  }

  private static ChildJvm.Result run(ChildJvm jvm, String... steps) throws Exception {
    String[] args = new String[steps.length + 3];
    args[0] = "openai";
    args[1] = llm.baseUrl();
    args[2] = "10";
    System.arraycopy(steps, 0, args, 3, steps.length);
    return jvm.run(SdkApp.class.getName(), args);
  }

  @Test
  void aUserBudgetFromAPropertyBeatsTheDefaultUserBudget() throws Exception {
    ChildJvm.Result r = run(new ChildJvm().agentArgs("store=memory,user.max_budget=100,user.budgets=alice:0.000001,carol:50"),
        "sync@alice", "sync@bob");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("sync@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.step("sync@bob")).isEqualTo("OK");
  }

  @Test
  void budgetsFromAFileGiveUsersAndGroupMembersTheirBudgets(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("budgets.json"), "{\"users\": {\"alice\": {\"max_budget\": 100}},"
        + " \"groups\": {\"interns\": {\"max_budget\": 0.000001, \"duration\": \"daily\", \"members\": [\"bob\", \"carol\"]}}}");

    ChildJvm.Result r = run(new ChildJvm().agentArgs("store=memory,user.max_budget=0.000001")
        .systemProperty("llmbudget.budgets.file", file.toString()), "sync@alice", "sync@bob", "sync@carol", "sync@dave");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.step("sync@bob")).isEqualTo("BLOCKED user:bob");
    assertThat(r.step("sync@carol")).isEqualTo("BLOCKED user:carol");
    assertThat(r.step("sync@dave")).as("the default applies to users the file does not name").isEqualTo("BLOCKED user:dave");
  }

  @Test
  void aBrokenBudgetsFileStopsStartUpNamingTheFileAndTheEntry(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("budgets.json"), "{\"users\": {\"alice\": {\"max_budget\": \"five\"}}}");

    ChildJvm.Result r = run(new ChildJvm().agentArgs("store=memory")
        .systemProperty("llmbudget.budgets.file", file.toString()), "sync@alice");

    assertThat(r.exitCode()).isNotZero();
    assertThat(r.output()).contains("llmbudget.budgets.file").contains("budgets.json").contains("user \"alice\"")
        .doesNotContain("STEP");
  }
}
