package dev.llmbudget.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenCounterTest {

  private static final TokenCounter O200K = TokenCounter.forModel("gpt-4o");
  private static final TokenCounter CL100K = TokenCounter.forModel("gpt-4");

  @ParameterizedTest(name = "{0} -> {1}, exact {2}")
  @CsvSource({
      "gpt-4o,                 o200k_base,  true",
      "gpt-4o-mini-2024-07-18, o200k_base,  true",
      "openai/gpt-4o,          o200k_base,  true",
      "azure/gpt-4.1-mini,     o200k_base,  true",
      "gpt-5-nano,             o200k_base,  true",
      "chatgpt-4o-latest,      o200k_base,  true",
      "o1-preview,             o200k_base,  true",
      "o3-mini,                o200k_base,  true",
      "o4-mini,                o200k_base,  true",
      "gpt-4,                  cl100k_base, true",
      "gpt-4-turbo,            cl100k_base, true",
      "gpt-3.5-turbo,          cl100k_base, true",
      "azure/gpt-35-turbo,     cl100k_base, true",
      "text-embedding-3-small, cl100k_base, true",
      "text-embedding-ada-002, cl100k_base, true",
      "claude-sonnet-4-5,      cl100k_base, false",
      "gemini-2.5-pro,         cl100k_base, false",
      "ollama/llama3,          cl100k_base, false",
      "mistral-large-latest,   cl100k_base, false",
      "omni,                   cl100k_base, false",
  })
  void choosesTheEncodingOfTheModel(String model, String encoding, boolean exact) {
    TokenCounter counter = TokenCounter.forModel(model);
    assertThat(counter.encodingName()).isEqualTo(encoding);
    assertThat(counter.exact()).isEqualTo(exact);
  }

  @Test
  void countersAreSharedPerEncoding() {
    assertThat(TokenCounter.forModel("gpt-4o")).isSameAs(TokenCounter.forModel("gpt-5"));
    assertThat(TokenCounter.forModel("claude-3-opus")).isSameAs(TokenCounter.forModel(null));
  }

  @Test
  void countsKnownStringsAsTiktokenDoes() {
    assertThat(CL100K.count("hello world")).isEqualTo(2);
    assertThat(O200K.count("hello world")).isEqualTo(2);
    // The OpenAI cookbook's example: [83, 1609, 5963, 374, 2294, 0].
    assertThat(CL100K.count("tiktoken is great!")).isEqualTo(6);
    // o200k's larger vocabulary has whole CJK words that cl100k spells in bytes.
    assertThat(O200K.count("人工智能")).isLessThan(CL100K.count("人工智能"));
    assertThat(CL100K.count(null)).isZero();
    assertThat(CL100K.count("")).isZero();
  }

  @Test
  void specialTokenTextIsCountedAsOrdinaryTextNotRefused() {
    assertThat(O200K.count("<|endoftext|>")).isGreaterThan(1);
  }

  @Test
  void aStringCutInsideAnEmojiCountsAsTheReplacementCharacterTheProviderSees() {
    String cut = "thumbs up \uD83D";
    assertThat(O200K.count(cut)).isEqualTo(O200K.count("thumbs up \uFFFD"));
    assertThat(O200K.count("ok \uD83D\uDC4D")).isEqualTo(O200K.count("ok 👍"));
  }

  @Test
  void messageOverheadIsThreePerMessageOnePerNameAndThreeForTheReply() {
    Map<String, Object> system = Map.of("role", "system", "content", "You are terse.");
    Map<String, Object> user = new LinkedHashMap<>();
    user.put("role", "user");
    user.put("name", "alice");
    user.put("content", "hello world");

    int expected = 3 + 3 + O200K.count("system") + O200K.count("You are terse.")
        + 3 + O200K.count("user") + 1 + O200K.count("alice") + O200K.count("hello world");
    assertThat(O200K.countMessages(List.of(system, user))).isEqualTo(expected);
    // role "user" and "hello world" are 1 and 2 tokens: 3 + 1 + 2 + 3.
    assertThat(O200K.countMessages(List.of(Map.of("role", "user", "content", "hello world"))))
        .isEqualTo(9);
    assertThat(O200K.countMessages(List.of())).isEqualTo(3);
  }

  @Test
  void contentPartsCountTheirTextAndToolCallsTheirJson() {
    Map<String, Object> parts = Map.of("role", "user", "content", List.of(
        Map.of("type", "text", "text", "hello world"),
        Map.of("type", "image_url", "image_url", Map.of("url", "https://example.com/cat.png")),
        Map.of("type", "text", "text", "tiktoken is great!")));
    assertThat(CL100K.countMessages(List.of(parts))).isEqualTo(3 + 3 + 1 + 2 + 6);

    List<Object> toolCalls = List.of(Map.of("id", "call_1", "type", "function",
        "function", Map.of("name", "get_weather", "arguments", "{\"city\":\"Paris\"}")));
    Map<String, Object> assistant = new LinkedHashMap<>();
    assistant.put("role", "assistant");
    assistant.put("content", null);
    assistant.put("tool_calls", toolCalls);
    int toolJson = CL100K.count(
        "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]");
    int withoutTools = CL100K.countMessages(List.of(Map.of("role", "assistant")));
    // Map.of iterates in no fixed order, so compare against the JSON's length in tokens loosely.
    assertThat(CL100K.countMessages(List.of(assistant)) - withoutTools)
        .isBetween(toolJson - 2, toolJson + 2);
  }

  @Test
  void jsonMessagesCountLikeMaps() throws Exception {
    JsonNode body = new ObjectMapper().readTree("{\"model\":\"gpt-4o\",\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
        + "{\"role\":\"user\",\"name\":\"alice\",\"content\":[{\"type\":\"text\",\"text\":\"hello world\"}]},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]}]}");
    Map<String, Object> assistant = new LinkedHashMap<>();
    assistant.put("role", "assistant");
    assistant.put("content", null);
    assistant.put("tool_calls", List.of(Map.of("id", "call_1")));

    int expected = 3
        + 3 + O200K.count("system") + O200K.count("You are terse.")
        + 3 + O200K.count("user") + 1 + O200K.count("alice") + O200K.count("hello world")
        + 3 + O200K.count("assistant") + O200K.count(body.at("/messages/2/tool_calls").toString());
    assertThat(O200K.countMessages(body.get("messages"))).isEqualTo(expected);
    assertThat(O200K.countMessages((JsonNode) null)).isZero();
  }

  @Test
  void refusesMessagesOfTheWrongShape() throws Exception {
    assertThatThrownBy(() -> O200K.countMessages(List.of("hello")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String");
    assertThatThrownBy(() -> O200K.countMessages(new ObjectMapper().readTree("{\"role\":\"user\"}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("array");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "hello world", "   leading and trailing   ", "tiktoken is great!",
      "人工智能是计算机科学的一个分支。", "日本語のテキストと English が混ざった文",
      "🙂🙃😀👍🏽👨‍👩‍👧‍👦 emoji, skin tones and ZWJ families",
      "Ünïcödé àccents, ß, Ωμέγα, Кириллица, العربية, עברית, हिन्दी",
      "{\"json\": [1, 2.5e-7, null, true], \"nested\": {\"k\": \"v\"}}",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
      "\u0000\u0001\t\n\r control characters",
      "lone surrogate \uD83D and reversed \uDE00\uD83D",
  })
  void upperBoundIsNeverBelowTheCount(String text) {
    for (TokenCounter counter : List.of(O200K, CL100K)) {
      assertThat(TokenCounter.upperBoundTokens(text)).isGreaterThanOrEqualTo(counter.count(text));
    }
  }

  @Test
  void upperBoundIsTheUtf8Length() {
    String text = "aé人🙂";
    assertThat(TokenCounter.upperBoundTokens(text)).isEqualTo(1 + 2 + 3 + 4);
    assertThat(TokenCounter.upperBoundTokens(null)).isZero();
  }

  @Test
  void countsAMegabyteOfText() {
    StringBuilder text = new StringBuilder(1_100_000);
    for (int i = 0; text.length() < 1_000_000; i++) {
      text.append("Budgets protect teams from surprise invoices when an agent loops, run ")
          .append(i).append(". 予算はチームを守る。 ");
    }
    String big = text.toString();
    int count = O200K.count(big);
    assertThat(count).isBetween(big.length() / 10, big.length());
    assertThat(TokenCounter.upperBoundTokens(big)).isGreaterThanOrEqualTo(count);
  }
}
