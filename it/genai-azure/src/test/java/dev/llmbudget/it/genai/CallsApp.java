package dev.llmbudget.it.genai;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.store.BudgetStore;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

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
    Set<String> users = new LinkedHashSet<>();
    for (int i = 3; i < args.length; i++) {
      String step = args[i];
      int at = step.indexOf('@');
      String action = at < 0 ? step : step.substring(0, at);
      String user = at < 0 ? null : step.substring(at + 1);
      if (user != null) {
        users.add(user);
      }
      if (action.startsWith("budget:")) {
        String[] kv = action.substring("budget:".length()).split("=");
        new dev.llmbudget.BudgetManager("default", "memory", null).createBudget(Double.parseDouble(kv[1]), kv[0], null);
        continue;
      }
      String result = user == null ? outcome(calls, action) : BudgetContext.call(user, () -> outcome(calls, action));
      System.out.println("STEP " + step + " " + result);
    }
    BudgetEngine engine = BudgetRuntime.get().engine();
    System.out.println("SPENT global " + spent(engine, BudgetStore.GLOBAL_KEY));
    for (String u : users) {
      System.out.println("SPENT " + u + " " + spent(engine, u));
    }
    System.exit(0);
  }

  private static String spent(BudgetEngine engine, String key) {
    return engine.store().snapshot(key, Instant.now()).map(s -> s.currentCost().toPlainString()).orElse("0");
  }

  private static String outcome(LlmCalls calls, String action) {
    try {
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
      return "OK";
    } catch (Throwable t) {
      Throwable cause = t;
      while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof BudgetExceededError) {
        BudgetExceededError e = (BudgetExceededError) cause;
        return "BLOCKED " + (e.isGlobal() ? "global" : "user:" + e.user().orElse("?"));
      }
      return "ERROR " + cause;
    }
  }
}
