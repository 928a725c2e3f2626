package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real JVMs on one user_cost.json: a reader must never lift the global limit another JVM set. */
class SharedStoreIT {

  static FakeLlmServer server;

  @TempDir
  Path dir;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start();
    // $0.00096 a call with gpt-4o-mini (the fake never bills more output than max_tokens 100):
    // a $0.003 budget is used up by the fourth call.
    server.usage(6000, 100).cache(0, 0).reasoning(0).failNext(0);
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Test
  void aReadOnlyToolWithoutMaxBudgetDoesNotWipeTheLimitOfAJvmEnforcingIt() throws Exception {
    Path file = dir.resolve("user_cost.json");
    Path ready = dir.resolve("ready");
    Path go = dir.resolve("go");
    ChildJvm enforcing = new ChildJvm().agentArgs("max_budget=0.003,store.flush_interval=100ms,store.path=" + file);
    Path out = dir.resolve("enforcing.out");
    Process a = new ProcessBuilder(enforcing.command(SharedFileApp.class.getName(), server.baseUrl(), "6", "5",
        ready.toString(), go.toString())).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      while (!Files.exists(ready) && a.isAlive() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(ready).as(Files.readString(out)).exists();
      int sentBefore = server.totalRequests();

      String toolClassPath = ChildClassPath.newest() + File.pathSeparator + System.getProperty("llmbudget.it.coreJar");
      ChildJvm.Result tool = new ChildJvm().withoutAgent().classPath(toolClassPath)
          .systemProperty("llmbudget.store.path", file.toString())
          .run(ReadOnlyTool.class.getName());
      assertThat(tool.exitCode()).as(tool.output()).isZero();
      assertThat(tool.value("USERS ")).isEqualTo("[]");

      Files.createFile(go);
      assertThat(a.waitFor(120, TimeUnit.SECONDS)).isTrue();
      ChildJvm.Result r = new ChildJvm.Result(a.exitValue(), Files.readString(out));

      assertThat(r.step("before1")).as(r.output()).isEqualTo("OK");
      assertThat(r.step("before6")).isEqualTo("BLOCKED global");
      for (int i = 1; i <= 5; i++) {
        assertThat(r.step("after" + i)).as(r.output()).isEqualTo("BLOCKED global");
      }
      assertThat(server.totalRequests()).isEqualTo(sentBefore);
      assertThat(Files.readString(file)).contains("\"total_budget\" : 0.003");
    } finally {
      a.destroyForcibly();
    }
  }
}
