package dev.llmbudget.samples.springboot;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.GlobalBudget;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.MDC;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An ordinary Spring Boot app on Spring AI's OpenAI chat model: alice asks questions (her user id
 * bound with {@link BudgetContext}), bob streams his answers (his user id in the SLF4J MDC, as a
 * web filter would put it), until one of them runs out of budget. No budget logic beyond naming
 * the user: the agent does the rest. Without {@code OPENAI_API_KEY} it talks to an
 * OpenAI-compatible endpoint it starts on 127.0.0.1.
 */
@SpringBootApplication
public class SpringAiDemo {

  private static final List<String> QUESTIONS = List.of(
      "Explain in three sentences why the sky is blue.",
      "Write a haiku about garbage collection in the JVM.",
      "What is the difference between a mutex and a semaphore?",
      "Summarise the plot of Hamlet for a ten-year-old.",
      "Give me three names for a budget-tracking library.",
      "How does a B-tree stay balanced?");

  public static void main(String[] args) throws Exception {
    String apiKey = System.getenv("OPENAI_API_KEY");
    FakeLlmServer local = null;
    if (apiKey == null || apiKey.isBlank()) {
      local = FakeLlmServer.start().countedUsage(180).reply("Here is a short, helpful answer from the local model.", 4);
      System.setProperty("spring.ai.openai.base-url", local.baseUrl());
      System.setProperty("spring.ai.openai.api-key", "demo-key");
      System.out.println("No OPENAI_API_KEY set: using the OpenAI-compatible endpoint at " + local.baseUrl());
    } else {
      System.setProperty("spring.ai.openai.api-key", apiKey);
    }
    try (ConfigurableApplicationContext context = SpringApplication.run(SpringAiDemo.class, args)) {
      ChatClient chat = ChatClient.create(context.getBean(ChatModel.class));
      ask(chat, "alice", 6);
      stream(chat, "bob", 2);
      printSpend();
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  /** Blocking calls, the user bound with BudgetContext. */
  private static void ask(ChatClient chat, String user, int questions) {
    for (int i = 0; i < questions; i++) {
      String question = QUESTIONS.get(i % QUESTIONS.size());
      try {
        String answer = BudgetContext.call(user, () -> chat.prompt().user(question).call().content());
        System.out.printf("%-6s asked    %-55s -> %s%n", user, quote(question), shorten(answer));
      } catch (BudgetExceededError e) {
        System.out.printf("%-6s BLOCKED before the request was sent: %s%n", user, e.getMessage());
        return;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Streamed answers, the user taken from the MDC. */
  private static void stream(ChatClient chat, String user, int questions) {
    MDC.put("userId", user);
    try {
      for (int i = 0; i < questions; i++) {
        String question = QUESTIONS.get((i + 3) % QUESTIONS.size());
        try {
          String answer = chat.prompt().user(question).stream().content().collect(Collectors.joining()).block();
          System.out.printf("%-6s streamed %-55s -> %s%n", user, quote(question), shorten(answer));
        } catch (BudgetExceededError e) {
          System.out.printf("%-6s BLOCKED before the request was sent: %s%n", user, e.getMessage());
          return;
        }
      }
    } finally {
      MDC.remove("userId");
    }
  }

  private static void printSpend() throws InterruptedException {
    awaitSettled();
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
    // In the fat jar Spring Boot loads the app, Spring AI and its own llm-budget-core copy in a
    // child class loader; with the agent attached that copy defers to the agent's, so the
    // BudgetManager above reads the very charges the agent made.
    System.out.println("llm-budget core loaded by: "
        + (BudgetManager.class.getClassLoader() == null ? "the agent (shared state)" : BudgetManager.class.getClassLoader()));
    if (total.signum() == 0) {
      System.out.println("Nothing was charged: is the agent attached (-javaagent:agent/target/llm-budget-agent.jar)?");
    }
  }

  /**
   * A stream's last chunk reaches the app a moment before the agent has charged it; the table is
   * printed once no call holds a reservation, so its rows add up to the total.
   */
  private static void awaitSettled() throws InterruptedException {
    BudgetManager budgets = BudgetManager.configured();
    for (int i = 0; i < 100 && !settled(budgets); i++) {
      Thread.sleep(50);
    }
  }

  private static boolean settled(BudgetManager budgets) {
    for (String user : budgets.getUsers()) {
      BudgetSnapshot s = budgets.snapshot(user);
      if (s != null && s.reserved().signum() != 0) {
        return false;
      }
    }
    return GlobalBudget.snapshot().reserved().signum() == 0;
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }

  private static String shorten(String text) {
    String t = text == null ? "" : text;
    return t.length() > 40 ? t.substring(0, 40) + "..." : t;
  }

  private static String quote(String s) {
    String q = "\"" + s + "\"";
    return q.length() > 55 ? q.substring(0, 52) + "...\"" : q;
  }
}
