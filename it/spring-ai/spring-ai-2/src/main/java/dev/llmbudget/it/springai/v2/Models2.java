package dev.llmbudget.it.springai.v2;

import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.ollama.api.OllamaChatOptions;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Builds Spring AI 2.x models against the test's server, for the IT app (which reaches this class
 * by name). OpenAI and Anthropic run on the official SDKs here, Ollama on Spring's own client.
 */
public final class Models2 {

  private Models2() {}

  public static ChatModel model(String provider, String baseUrl, String model, int maxTokens) {
    switch (provider) {
      case "openai":
        return OpenAiChatModel.builder().options(OpenAiChatOptions.builder().baseUrl(baseUrl + "/v1").apiKey("test-key")
            .model(model).maxTokens(cap(maxTokens)).streamUsage(true).build()).build();
      case "anthropic":
        return AnthropicChatModel.builder().options(AnthropicChatOptions.builder().baseUrl(baseUrl).apiKey("test-key")
            .model(model).maxTokens(maxTokens).build()).build();
      case "ollama":
        return OllamaChatModel.builder().ollamaApi(OllamaApi.builder().baseUrl(baseUrl).build())
            .options(OllamaChatOptions.builder().model(model).numPredict(maxTokens).build()).build();
      default:
        throw new IllegalArgumentException(provider);
    }
  }

  /** 0: no output cap at all, as most application code sends. */
  private static Integer cap(int maxTokens) {
    return maxTokens > 0 ? maxTokens : null;
  }

  /** Model and cap come from each model's default options (2.x's Ollama takes only its own options class in a prompt). */
  public static Prompt prompt(String provider, String text, String model, int maxTokens) {
    return new Prompt(text);
  }
}
