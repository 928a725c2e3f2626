package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;

/**
 * A library user's subscription with the agent attached: {@code ThresholdListenerApp <baseUrl> <calls>}
 * subscribes with {@code BudgetManager.configured().onThreshold}, makes {@code calls} openai-java
 * calls as alice, then waits for the listener and prints each event as
 * {@code EVENT <budget> <threshold> <current cost> <max budget> <announced>}.
 */
public final class ThresholdListenerApp {

  public static void main(String[] args) throws Exception {
    BudgetManager budgets = BudgetManager.configured();
    java.util.List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    budgets.onThreshold(e -> events.add("EVENT " + e.budget() + " " + e.threshold().toPlainString() + " "
        + e.currentCost().toPlainString() + " " + e.maxBudget().toPlainString() + " " + e.announced()));
    OpenAiCalls calls = new OpenAiCalls(args[0], 10);
    for (int i = 0; i < Integer.parseInt(args[1]); i++) {
      try {
        BudgetContext.call("alice", () -> {
          calls.sync();
          return null;
        });
      } catch (BudgetExceededError e) {
        System.out.println("BLOCKED");
      }
    }
    long deadline = System.currentTimeMillis() + 5_000;
    while (events.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(1_500); // nothing more may come
    events.forEach(System.out::println);
  }

  private ThresholdListenerApp() {}
}
