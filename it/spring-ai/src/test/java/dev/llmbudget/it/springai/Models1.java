package dev.llmbudget.it.springai;

import org.springframework.ai.anthropic.AnthropicChatModel;
import org.springframework.ai.anthropic.AnthropicChatOptions;
import org.springframework.ai.anthropic.api.AnthropicApi;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.ollama.OllamaChatModel;
import org.springframework.ai.ollama.api.OllamaApi;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;

/**
 * Builds Spring AI 1.x models (1.0 and 1.1 share these builders) against the test's server, on
 * Spring's own REST clients. OpenAI and Anthropic take model and cap from the model's default
 * options; Ollama (whose options class was renamed in 1.1) from the prompt's.
 */
public final class Models1 {

  private Models1() {}

  public static ChatModel model(String provider, String baseUrl, String model, int maxTokens) {
    switch (provider) {
      case "openai":
        return OpenAiChatModel.builder().openAiApi(OpenAiApi.builder().baseUrl(baseUrl).apiKey("test-key").build())
            .defaultOptions(OpenAiChatOptions.builder().model(model).maxTokens(cap(maxTokens)).streamUsage(true).build())
            .build();
      case "anthropic":
        return AnthropicChatModel.builder().anthropicApi(AnthropicApi.builder().baseUrl(baseUrl).apiKey("test-key").build())
            .defaultOptions(AnthropicChatOptions.builder().model(model).maxTokens(maxTokens).build())
            .build();
      case "ollama":
        return OllamaChatModel.builder().ollamaApi(OllamaApi.builder().baseUrl(baseUrl).build()).build();
      default:
        throw new IllegalArgumentException(provider);
    }
  }

  /** 0: no output cap at all, as most application code sends. */
  private static Integer cap(int maxTokens) {
    return maxTokens > 0 ? maxTokens : null;
  }

  public static Prompt prompt(String provider, String text, String model, int maxTokens) {
    if (provider.equals("ollama")) {
      return new Prompt(text, ChatOptions.builder().model(model).maxTokens(maxTokens).build());
    }
    return new Prompt(text);
  }
}
