package dev.llmbudget.samples.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.GlobalBudget;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * An ordinary LangChain4j app: two users ask questions through an {@code OpenAiChatModel} until one
 * of them runs out of budget. Its only budget code is naming the user; the agent does the rest.
 * Without {@code OPENAI_API_KEY} it talks to an OpenAI-compatible endpoint it starts on 127.0.0.1.
 */
public final class LangChain4jDemo {

  private static final List<String> QUESTIONS = List.of(
      "Explain in three sentences why the sky is blue.",
      "Write a haiku about garbage collection in the JVM.",
      "What is the difference between a mutex and a semaphore?",
      "Summarise the plot of Hamlet for a ten-year-old.",
      "Give me three names for a budget-tracking library.",
      "How does a B-tree stay balanced?");

  private LangChain4jDemo() {}

  public static void main(String[] args) throws Exception {
    String apiKey = System.getenv("OPENAI_API_KEY");
    FakeLlmServer local = null;
    OpenAiChatModel.OpenAiChatModelBuilder builder = OpenAiChatModel.builder()
        .modelName("gpt-4o-mini")
        .maxTokens(200);
    if (apiKey == null || apiKey.isBlank()) {
      local = FakeLlmServer.start().countedUsage(180).reply("Here is a short, helpful answer from the local model.", 4);
      builder.apiKey("demo-key").baseUrl(local.openAiBaseUrl());
      System.out.println("No OPENAI_API_KEY set: using the OpenAI-compatible endpoint at " + local.openAiBaseUrl());
    } else {
      builder.apiKey(apiKey);
    }
    ChatModel model = builder.build();
    try {
      run(model, Map.of("alice", 6, "bob", 2));
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  private static void run(ChatModel model, Map<String, Integer> plannedCalls) {
    for (String user : List.of("alice", "bob")) {
      int planned = plannedCalls.get(user);
      for (int i = 0; i < planned; i++) {
        String question = QUESTIONS.get(i % QUESTIONS.size());
        try {
          String answer = BudgetContext.call(user, () -> model.chat(question));
          System.out.printf("%-6s asked %-55s -> %s%n", user, quote(question), shorten(answer));
        } catch (BudgetExceededError e) {
          System.out.printf("%-6s BLOCKED before the request was sent: %s%n", user, e.getMessage());
          break;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
    printSpend();
  }

  private static void printSpend() {
    BudgetManager budgets = BudgetManager.configured();
    System.out.println();
    System.out.printf("%-8s %-28s %14s %12s%n", "user", "model", "spent ($)", "budget ($)");
    for (String user : budgets.getUsers()) {
      BigDecimal limit = budgets.getTotalBudget(user);
      for (Map.Entry<String, BigDecimal> e : budgets.getModelCost(user).entrySet()) {
        System.out.printf("%-8s %-28s %14s %12s%n", user, e.getKey(), plain(e.getValue()),
            limit == null ? "-" : plain(limit));
      }
    }
    for (String user : budgets.getUsers()) {
      BigDecimal limit = budgets.getTotalBudget(user);
      BigDecimal spent = budgets.getCurrentCost(user);
      if (limit != null) {
        System.out.printf("%-8s spent $%s of $%s: %s%n", user, plain(spent), plain(limit),
            spent.compareTo(limit) <= 0 ? "the budget held" : "BUDGET EXCEEDED");
      }
    }
    BigDecimal total = GlobalBudget.currentCost();
    System.out.printf("%-8s %-28s %14s %12s%n", "(all)", "", plain(total),
        GlobalBudget.maxBudget() == null ? "-" : plain(GlobalBudget.maxBudget()));
    if (total.signum() == 0) {
      System.out.println("Nothing was charged: is the agent attached (-javaagent:agent/target/llm-budget-agent.jar)?");
    }
  }

  private static String shorten(String text) {
    return text == null ? "" : text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  private static String quote(String s) {
    String q = "\"" + s + "\"";
    return q.length() > 55 ? q.substring(0, 52) + "...\"" : q;
  }
}
