package dev.llmbudget.samples;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.testkit.FakeLlmServer;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * LiteLLM's budget-manager flow with the library alone, no agent: create a budget if the user is
 * new, check the projected cost, make the call, update the cost. Runs against a loopback
 * OpenAI-compatible endpoint unless {@code OPENAI_API_KEY} is set.
 */
public final class BudgetManagerFlow {

  private BudgetManagerFlow() {}

  public static void main(String[] args) throws Exception {
    String key = System.getenv("OPENAI_API_KEY");
    try (FakeLlmServer local = key == null || key.isBlank() ? FakeLlmServer.start().countedUsage(250) : null) {
      OpenAIClient client = local == null
          ? OpenAIOkHttpClient.builder().apiKey(key).build()
          : OpenAIOkHttpClient.builder().apiKey("demo-key").baseUrl(local.openAiBaseUrl()).build();
      BudgetManager budgets = new BudgetManager("flow-demo", "memory", null);
      String user = "ann@example.com";
      List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "Hey, how's it going?"));

      for (int i = 1; i <= 10; i++) {
        if (!budgets.isValidUser(user)) {
          budgets.createBudget(0.001, user, "daily");                     // 1. create a budget if the user is new
        }
        BigDecimal projected = budgets.projectedCost("gpt-4o-mini", messages, user, 250);
        if (projected.compareTo(budgets.getTotalBudget(user)) > 0) {      // 2. check
          System.out.printf("call %d refused: projected $%s > budget $%s%n", i, plain(projected),
              plain(budgets.getTotalBudget(user)));
          break;
        }
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini").addUserMessage("Hey, how's it going?").maxCompletionTokens(250).build());  // 3. call
        BigDecimal cost = budgets.updateCost(completion, user);            // 4. update cost
        System.out.printf("call %d cost $%s, spent $%s of $%s%n", i, plain(cost),
            plain(budgets.getCurrentCost(user)), plain(budgets.getTotalBudget(user)));
      }
      System.out.println("per model: " + budgets.getModelCost(user));
    }
  }

  private static String plain(BigDecimal d) {
    return d.stripTrailingZeros().toPlainString();
  }
}
