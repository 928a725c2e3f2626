package dev.llmbudget.samples;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Two users share an app whose LLM calls the agent meters: alice has a small budget, bob a larger
 * one. They take turns until alice is blocked; then the spend per user and model is printed. The
 * app's only budget code is {@code BudgetContext.run} and the report at the end.
 *
 * <p>Without {@code OPENAI_API_KEY} it talks to a loopback server with OpenAI's responses.
 */
public final class TwoUsersDemo {

  private static final String MODEL = "gpt-4o-mini";

  public static void main(String[] args) throws Exception {
    String key = System.getenv("OPENAI_API_KEY");
    FakeLlmServer server = null;
    OpenAIOkHttpClient.Builder builder = OpenAIOkHttpClient.builder();
    if (key == null || key.isBlank()) {
      // Usage near what the prompt really is, so the reservation (prompt + max tokens) covers it.
      server = FakeLlmServer.start().usage(14, 180);
      builder.baseUrl(server.openAiBaseUrl()).apiKey("sk-local");
      System.out.println("No OPENAI_API_KEY: using the loopback server at " + server.openAiBaseUrl());
    } else {
      builder.apiKey(key);
    }
    OpenAIClient client = builder.build();

    BudgetManager budgets = new BudgetManager("default", System.getProperty("llmbudget.store", "memory"), null);
    budgets.createBudget(0.0005, "alice", "daily");
    budgets.createBudget(0.01, "bob", "daily");

    boolean aliceBlocked = false;
    for (int round = 1; round <= 20 && !aliceBlocked; round++) {
      for (String user : new String[] {"alice", "bob"}) {
        try {
          BudgetContext.run(user, () -> client.chat().completions().create(ChatCompletionCreateParams.builder()
              .model(MODEL).maxCompletionTokens(200).addUserMessage("Give me a one-line tip about budgets.").build()));
          System.out.printf("round %2d  %-5s ok     spent $%s%n", round, user, budgets.getCurrentCost(user).toPlainString());
        } catch (BudgetExceededError e) {
          System.out.printf("round %2d  %-5s BLOCKED %s%n", round, user, e.getMessage());
          aliceBlocked |= user.equals("alice");
        }
      }
    }

    System.out.println();
    System.out.printf("%-6s %-14s %14s %12s%n", "user", "model", "spent (USD)", "budget");
    for (String user : budgets.getUsers()) {
      for (Map.Entry<String, BigDecimal> e : budgets.getModelCost(user).entrySet()) {
        System.out.printf("%-6s %-14s %14s %12s%n", user, e.getKey(), e.getValue().toPlainString(),
            budgets.getTotalBudget(user).toPlainString());
      }
    }
    client.close();
    if (server != null) {
      server.close();
    }
  }
}
