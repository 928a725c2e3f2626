package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local store as JVMs with the agent attached share it: what they leave on disk. */
class LocalFileSharingIT {

  /** Issue 8 item 8: two idle JVMs rewrote and fsynced the shared file for ever. */
  @Test
  void idleJvmsSharingAFileDoNotRewriteIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("user_cost.json");
    String args = "store=local,store.path=" + file + ",store.flush_interval=100ms";

    // Two threads of our own: the common pool may run one task at a time (on 2 cores, JDK 25 runs
    // supplyAsync there), and each child waits for the other.
    java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      CompletableFuture<ChildJvm.Result> a = CompletableFuture.supplyAsync(() -> idle(args, file), two);
      CompletableFuture<ChildJvm.Result> b = CompletableFuture.supplyAsync(() -> idle(args, file), two);

      for (ChildJvm.Result r : new ChildJvm.Result[] {a.get(), b.get()}) {
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.value("IDLE ")).isEqualTo("unchanged");
      }
    } finally {
      two.shutdownNow();
    }
    assertThat(Files.readString(file)).contains("user-");
  }

  private static ChildJvm.Result idle(String agentArgs, Path file) {
    try {
      return new ChildJvm().agentArgs(agentArgs).run(IdleApp.class.getName(), file.toString(), "2", "3000");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Issue 8 item 8 and issue 12 item 7: mode and group kept, the lock hidden and as open as the file. */
  @Test
  void aGroupWritableFileStaysSoAndTheHiddenLockFileFollowsIt(@TempDir Path dir) throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path file = Files.writeString(dir.resolve("user_cost.json"), "{}");
    Set<PosixFilePermission> groupWritable = PosixFilePermissions.fromString("rw-rw-r--");
    Files.setPosixFilePermissions(file, groupWritable);

    try (FakeLlmServer llm = FakeLlmServer.start()) {
      ChildJvm.Result r = new ChildJvm().agentArgs("store=local,store.path=" + file)
          .run(SdkApp.class.getName(), "openai", llm.baseUrl(), "100", "sync@alice");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.step("sync@alice")).isEqualTo("OK");
    }

    assertThat(Files.readString(file)).contains("\"alice\"");
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(groupWritable);
    assertThat(Files.getPosixFilePermissions(dir.resolve(".user_cost.json.lock"))).isEqualTo(groupWritable);
    assertThat(dir.resolve("user_cost.json.lock")).doesNotExist();
  }

  /**
   * Issue 14: idle users evicted from memory (store.evict_idle_after) keep their budget and spend.
   * bob is loaded from the file and never used, so the first sweep packs him away; alice is packed
   * while the app sleeps (idle 1 s: a sweep every second marks her, the next evicts her). Both
   * then behave as if never evicted.
   */
  @Test
  void anEvictedUsersBudgetAndSpendStillHold(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("user_cost.json"),
        "{\"alice\": {\"total_budget\": 10, \"current_cost\": 3, \"model_cost\": {\"m\": 3}},"
            + " \"bob\": {\"total_budget\": 1, \"current_cost\": 1}}");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      ChildJvm.Result r = new ChildJvm()
          .agentArgs("store=local,store.path=" + file + ",store.flush_interval=100ms,store.evict_idle_after=1s")
          .run(SdkApp.class.getName(), "openai", llm.baseUrl(), "100",
              "sync@alice", "sleep:6000", "why@bob", "sync@alice");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.step("sync@alice")).isEqualTo("OK");
      assertThat(r.step("why@bob")).isEqualTo("LLM budget of user 'bob' is used up: spent $1 of $1");
      // $global (evicted and re-hydrated too) saw both calls: alice has her $3 from the file plus all of it
      assertThat(r.spent("global")).isPositive();
      assertThat(r.spent("alice")).isEqualByComparingTo(new BigDecimal(3).add(r.spent("global")));
      assertThat(r.output().split("STEP sync@alice OK", -1)).as("both of alice's calls went out").hasSize(3);
    }
    String saved = Files.readString(file);
    assertThat(saved).contains("\"bob\"").contains("\"m\"");
  }
}
