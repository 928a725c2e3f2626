package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageParam;
import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionSystemMessageParam;
import com.openai.models.chat.completions.ChatCompletionUserMessageParam;
import com.openai.models.responses.Response;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** updateCost and projectedCost with the real openai-java and anthropic-java objects. */
class SdkObjectsTest {

  private final BudgetManager manager = new BudgetManager("sdk-" + UUID.randomUUID(), "memory", null);

  private static BigDecimal priceOf(Usage usage) {
    return PriceTable.defaultTable().resolve(usage.model()).orElseThrow().cost(usage);
  }

  @Test
  void openAiChatCompletion() throws Exception {
    ChatCompletion completion = ObjectMappers.jsonMapper().readValue("{\"id\":\"c1\",\"object\":\"chat.completion\","
        + "\"created\":1,\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
        + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\",\"refusal\":null},\"logprobs\":null}],"
        + "\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":40,\"total_tokens\":540,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":100}}}", ChatCompletion.class);
    BigDecimal cost = manager.updateCost(completion, "ann");
    assertThat(cost).isEqualByComparingTo(priceOf(new Usage("gpt-4o-2024-08-06", 400, 40, 100, 0, 0, 0, false)));
    assertThat(manager.getModelCost("ann")).containsOnlyKeys("gpt-4o-2024-08-06");
  }

  @Test
  void anOpenAiChatCompletionServedAtPriorityIsChargedThePriorityPrice() throws Exception {
    ChatCompletion completion = ObjectMappers.jsonMapper().readValue("{\"id\":\"c1\",\"object\":\"chat.completion\","
        + "\"created\":1,\"model\":\"gpt-4o\",\"service_tier\":\"priority\",\"choices\":[{\"index\":0,"
        + "\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":\"hi\",\"refusal\":null},"
        + "\"logprobs\":null}],\"usage\":{\"prompt_tokens\":500,\"completion_tokens\":40,\"total_tokens\":540,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":100}}}", ChatCompletion.class);
    assertThat(BudgetManager.usageOf(completion).serviceTier()).isEqualTo("priority");
    // gpt-4o priority: 400 x 4.25e-6 + 40 x 1.7e-5 + 100 cached x 2.125e-6 = 0.0025925 (standard: 0.0015250)
    assertThat(manager.updateCost(completion, "ann")).isEqualByComparingTo("0.0025925");
  }

  @Test
  void openAiResponse() throws Exception {
    Response response = ObjectMappers.jsonMapper().readValue("{\"id\":\"r1\",\"object\":\"response\",\"created_at\":1,"
        + "\"model\":\"gpt-4.1-mini\",\"output\":[],\"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[],"
        + "\"usage\":{\"input_tokens\":300,\"output_tokens\":50,\"total_tokens\":350,"
        + "\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens_details\":{\"reasoning_tokens\":0}}}", Response.class);
    assertThat(manager.updateCost(response, "ann")).isEqualByComparingTo(priceOf(Usage.of("gpt-4.1-mini", 300, 50)));
  }

  @Test
  void anthropicMessage() throws Exception {
    Message message = com.anthropic.core.ObjectMappers.jsonMapper().readValue("{\"id\":\"m1\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"claude-3-5-haiku-20241022\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"
        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":200,\"output_tokens\":20,\"cache_read_input_tokens\":50,\"cache_creation_input_tokens\":10}}",
        Message.class);
    assertThat(manager.updateCost(message, "bea"))
        .isEqualByComparingTo(priceOf(new Usage("claude-3-5-haiku-20241022", 200, 20, 50, 10, 0, 0, false)));
  }

  @Test
  void projectedCostTakesSdkMessagesAndCountsThemLikeMaps() {
    List<Object> sdkMessages = List.of(
        ChatCompletionMessageParam.ofSystem(ChatCompletionSystemMessageParam.builder().content("You are terse.").build()),
        ChatCompletionMessageParam.ofUser(ChatCompletionUserMessageParam.builder().content("Name three rivers.").build()));
    List<Map<String, Object>> maps = List.of(
        Map.of("role", "system", "content", "You are terse."),
        Map.of("role", "user", "content", "Name three rivers."));
    BigDecimal fromSdk = manager.projectedCost("gpt-4o", sdkMessages, "cy");
    BigDecimal fromMaps = manager.projectedCost("gpt-4o", maps, "cy");
    assertThat(fromSdk).isEqualByComparingTo(fromMaps).isPositive();
    int tokens = TokenCounter.forModel("gpt-4o").countMessages(maps);
    assertThat(fromMaps).isEqualByComparingTo(priceOf(Usage.of("gpt-4o", tokens, 0)));

    MessageParam anthropic = MessageParam.ofUser("Name three rivers.");
    assertThat(manager.projectedCost("claude-3-5-haiku-20241022", List.of(anthropic), "cy")).isPositive();
  }
}
