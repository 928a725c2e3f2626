package dev.llmbudget.agent.it;

import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.testkit.ChildApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A JVM with the agent that shares its store file with another JVM mid-run:
 * {@code SharedFileApp <baseUrl> <callsBefore> <callsAfter> <readyFile> <goFile>}. It makes the first
 * calls, flushes, creates {@code readyFile}, waits for {@code goFile} (the other JVM has come and
 * gone), syncs with the file and makes the rest, printing {@code STEP before<i>/after<i> <result>}.
 */
public final class SharedFileApp {

  public static void main(String[] args) throws Exception {
    OpenAiCalls calls = new OpenAiCalls(args[0], 100);
    int before = Integer.parseInt(args[1]);
    int after = Integer.parseInt(args[2]);
    for (int i = 1; i <= before; i++) {
      ChildApp.printStep("before" + i, ChildApp.outcome(calls::sync));
    }
    BudgetRuntime.get().engine().store().flush();
    Files.createFile(Path.of(args[3]));
    long deadline = System.currentTimeMillis() + 120_000;
    while (!Files.exists(Path.of(args[4])) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    // What the periodic flush does within a second: merge what the other JVM wrote.
    BudgetRuntime.get().engine().store().flush();
    for (int i = 1; i <= after; i++) {
      ChildApp.printStep("after" + i, ChildApp.outcome(calls::sync));
    }
    ChildApp.printSpent(List.of());
    BudgetRuntime.get().engine().store().flush();
    System.exit(0);
  }
}
