package dev.llmbudget.it.genai;

import dev.llmbudget.testkit.ChildApp;
import java.util.Arrays;

/**
 * The application the ITs run in a child JVM with the agent attached:
 * {@code CallsApp <genai|azure> <baseUrl> <maxTokens> <step>...}, a step being {@code action} or
 * {@code action@user} (user bound with BudgetContext), or {@code budget:user=dollars}. It prints
 * {@code STEP <step> <OK|BLOCKED global|BLOCKED user:x|ERROR ...>} per step, then what was spent.
 */
public final class CallsApp {

  public static void main(String[] args) throws Exception {
    LlmCalls calls = args[0].equals("genai")
        ? new GenAiCalls(args[1], Long.parseLong(args[2]))
        : new AzureCalls(args[1], Long.parseLong(args[2]));
    ChildApp.runSteps(action -> run(calls, action), Arrays.copyOfRange(args, 3, args.length));
    System.exit(0);
  }

  private static void run(LlmCalls calls, String action) throws Exception {
    switch (action) {
      case "sync":
        calls.sync();
        break;
      case "async":
        calls.async();
        break;
      case "stream":
        calls.stream();
        break;
      case "early":
        calls.streamEarly();
        break;
      default:
        calls.other(action);
    }
  }

  /** Runs {@code call}; when it is refused, first prints {@code REFUSAL <action> <message>}, the message the caller reads. */
  static void printingRefusal(String action, ChildApp.Call call) throws Exception {
    try {
      call.run();
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof dev.llmbudget.BudgetExceededError) {
          System.out.println("REFUSAL " + action + " " + c.getMessage());
        }
      }
      throw e;
    }
  }
}
