package dev.llmbudget.agent.instrumentation.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CapRewriterTest {

  private static String rewrite(String json, long cap, String... fields) throws IOException {
    return new String(CapRewriter.withCap(json.getBytes(StandardCharsets.UTF_8), cap, fields), StandardCharsets.UTF_8);
  }

  @Test
  void replacesAnExistingCapAndNothingElse() throws IOException {
    String body = "{\"model\":\"gpt-4o\", \"messages\":[{\"role\":\"user\",\"content\":\"max_tokens: 9000 \\u00e9\"}],"
        + "\n  \"max_tokens\" : 9000 ,\"temperature\":0.2}";
    assertThat(rewrite(body, 123, "max_completion_tokens", "max_tokens"))
        .isEqualTo(body.replace("\"max_tokens\" : 9000 ", "\"max_tokens\" : 123 "));
  }

  @Test
  void insertsTheFirstFieldAfterTheOpeningBraceWhenThereIsNoCap() throws IOException {
    String body = "  {\"model\":\"gpt-4o\",\"messages\":[{\"max_tokens\":5}]}";
    assertThat(rewrite(body, 77, "max_completion_tokens", "max_tokens"))
        .isEqualTo("  {\"max_completion_tokens\":77,\"model\":\"gpt-4o\",\"messages\":[{\"max_tokens\":5}]}");
    assertThat(rewrite("{ }", 5, "max_tokens")).isEqualTo("{\"max_tokens\":5 }");
  }

  @Test
  void writesNestedCapsOneLevelDown() throws IOException {
    assertThat(rewrite("{\"messages\":[],\"inferenceConfig\":{\"temperature\":0.5,\"maxTokens\":4096}}", 64,
        "inferenceConfig.maxTokens"))
        .isEqualTo("{\"messages\":[],\"inferenceConfig\":{\"temperature\":0.5,\"maxTokens\":64}}");
    assertThat(rewrite("{\"messages\":[],\"inferenceConfig\":{\"temperature\":0.5}}", 64, "inferenceConfig.maxTokens"))
        .isEqualTo("{\"messages\":[],\"inferenceConfig\":{\"maxTokens\":64,\"temperature\":0.5}}");
    assertThat(rewrite("{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}", 64, "generationConfig.maxOutputTokens"))
        .isEqualTo("{\"generationConfig\":{\"maxOutputTokens\":64},\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}");
    // A same-named field deeper down is not the cap.
    assertThat(rewrite("{\"x\":{\"inferenceConfig\":{\"maxTokens\":1}}}", 64, "inferenceConfig.maxTokens"))
        .isEqualTo("{\"inferenceConfig\":{\"maxTokens\":64},\"x\":{\"inferenceConfig\":{\"maxTokens\":1}}}");
  }

  @Test
  void readsAnIntegerCap() throws IOException {
    byte[] body = "{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},\"max_tokens\":4096}"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(CapRewriter.valueOf(body, "thinking.budget_tokens")).isEqualTo(2048);
    assertThat(CapRewriter.valueOf(body, "max_tokens")).isEqualTo(4096);
    assertThat(CapRewriter.valueOf(body, "max_completion_tokens")).isEqualTo(-1);
  }

  @Test
  void aBodyThatIsNotAnObjectIsAnError() {
    assertThatThrownBy(() -> rewrite("[1,2]", 5, "max_tokens")).isInstanceOf(IOException.class);
  }
}
