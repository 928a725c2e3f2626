package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An application that keeps calling, as an operator's fleet does while they change budgets:
 * {@code LoopApp <baseUrl> <user> <stopFile>} makes one openai-java call as {@code user} every 50 ms
 * and prints {@code CALL <epochMillis> OK|BLOCKED}, until {@code stopFile} exists.
 */
public final class LoopApp {

  public static void main(String[] args) throws Exception {
    OpenAiCalls calls = new OpenAiCalls(args[0], 10);
    Path stop = Path.of(args[2]);
    while (!Files.exists(stop)) {
      String result;
      try {
        BudgetContext.call(args[1], () -> {
          calls.sync();
          return null;
        });
        result = "OK";
      } catch (BudgetExceededError e) {
        result = "BLOCKED";
      }
      System.out.println("CALL " + System.currentTimeMillis() + " " + result);
      System.out.flush();
      Thread.sleep(50);
    }
  }
}
