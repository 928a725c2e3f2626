package dev.llmbudget.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbudget.tokens.TokenCounter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The fake answers as a provider does: output within the request's cap, input counted from its prompt. */
class FakeLlmServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode post(FakeLlmServer server, String path, String body) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void anOpenAiChatIsBilledItsCountedPromptAndNoMoreOutputThanItsCap() throws Exception {
    String messages = "[{\"role\":\"user\",\"content\":\"Say hello to the budget, in one short sentence.\"}]";
    try (FakeLlmServer server = FakeLlmServer.start().countedUsage(500)) {
      JsonNode capped = post(server, "/v1/chat/completions",
          "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":42,\"messages\":" + messages + "}");
      long prompt = TokenCounter.forModel("gpt-4o-mini").countMessages(JSON.readTree(messages));
      assertThat(capped.path("usage").path("prompt_tokens").asLong()).isEqualTo(prompt).isBetween(10L, 30L);
      assertThat(capped.path("usage").path("completion_tokens").asLong()).isEqualTo(42);

      JsonNode uncapped = post(server, "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":" + messages + "}");
      assertThat(uncapped.path("usage").path("completion_tokens").asLong()).isEqualTo(500);

      assertThat(server.bills()).extracting(FakeLlmServer.Bill::capField, FakeLlmServer.Bill::cap,
          FakeLlmServer.Bill::output).containsExactly(
              org.assertj.core.groups.Tuple.tuple("max_completion_tokens", 42L, 42L),
              org.assertj.core.groups.Tuple.tuple(null, 0L, 500L));
    }
  }

  @Test
  void everyApiShapeHasItsCapHonoured() throws Exception {
    try (FakeLlmServer server = FakeLlmServer.start().countedUsage(500)) {
      JsonNode claude = post(server, "/v1/messages", "{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":7,"
          + "\"system\":\"Be brief.\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}");
      assertThat(claude.path("usage").path("output_tokens").asLong()).isEqualTo(7);
      assertThat(claude.path("usage").path("input_tokens").asLong())
          .isEqualTo(3 + 3 + TokenCounter.forModel("claude").count("Be brief.") + TokenCounter.forModel("claude").count("Hello there"));
      JsonNode responses = post(server, "/v1/responses",
          "{\"model\":\"gpt-4o-mini\",\"max_output_tokens\":9,\"input\":\"Say hello.\"}");
      assertThat(responses.path("usage").path("output_tokens").asLong()).isEqualTo(9);
      assertThat(server.bills()).extracting(FakeLlmServer.Bill::capField)
          .containsExactly("max_tokens", "max_output_tokens");
    }
  }

  @Test
  void aFixedUsageIsStillReportedButNeverAboveTheCap() throws Exception {
    try (FakeLlmServer server = FakeLlmServer.start().usage(420, 180)) {
      JsonNode r = post(server, "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.path("usage").path("prompt_tokens").asLong()).isEqualTo(420);
      assertThat(r.path("usage").path("completion_tokens").asLong()).isEqualTo(100);
    }
  }

  @Test
  void audioIsReportedInTheDetailsOfABlockingAnswerAndOfAStreamsUsageChunkWithinTheTokensThereAre()
      throws Exception {
    try (FakeLlmServer server = FakeLlmServer.start().usage(1_000, 500).audio(600, 400)) {
      JsonNode r = post(server, "/v1/chat/completions", "{\"model\":\"gpt-4o-audio-preview\","
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.path("usage").path("prompt_tokens_details").path("audio_tokens").asLong()).isEqualTo(600);
      assertThat(r.path("usage").path("completion_tokens_details").path("audio_tokens").asLong()).isEqualTo(400);

      // a cap of 100 output tokens leaves room for 100 of audio
      HttpResponse<String> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create(server.baseUrl() + "/v1/chat/completions")).POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"gpt-4o-audio-preview\",\"max_tokens\":100,\"stream\":true,"
                  + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
          .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
      String usageChunk = stream.body().lines().filter(l -> l.contains("\"usage\":{")).findFirst().orElseThrow();
      JsonNode usage = JSON.readTree(usageChunk.substring("data: ".length())).path("usage");
      assertThat(usage.path("prompt_tokens_details").path("audio_tokens").asLong()).isEqualTo(600);
      assertThat(usage.path("completion_tokens_details").path("audio_tokens").asLong()).isEqualTo(100);
    }
  }

  @Test
  void byteCountedUsageBillsAQuarterOfThePromptBytesWithinTheCap() throws Exception {
    try (FakeLlmServer server = FakeLlmServer.start().byteCountedUsage(500)) {
      // "Say hello to the budget." is 24 bytes: 6 tokens, plus 3 for the message and 3 for the reply.
      JsonNode r = post(server, "/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the budget.\"}]}");
      assertThat(r.path("usage").path("prompt_tokens").asLong()).isEqualTo(12);
      assertThat(r.path("usage").path("completion_tokens").asLong()).isEqualTo(100);
    }
  }
}
