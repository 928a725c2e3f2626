package dev.llmbudget.it.springai.v2;

import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
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
            .model(model).maxTokens(maxTokens).streamUsage(true).build()).build();
      case "anthropic":
        return AnthropicChatModel.builder().options(AnthropicChatOptions.builder().baseUrl(baseUrl).apiKey("test-key")
            .model(model).maxTokens(maxTokens).build()).build();
      case "ollama":
        return OllamaChatModel.builder().ollamaApi(OllamaApi.builder().baseUrl(baseUrl).build()).build();
      default:
        throw new IllegalArgumentException(provider);
    }
  }

  /** Ollama's model and cap travel in the prompt's options, the way a caller may override the defaults. */
  public static Prompt prompt(String provider, String text, String model, int maxTokens) {
    if (provider.equals("ollama")) {
      return new Prompt(text, ChatOptions.builder().model(model).maxTokens(maxTokens).build());
    }
    return new Prompt(text);
  }
}
