package dev.llmbudget.agent.instrumentation.springai;

import dev.llmbudget.Usage;

/**
 * Turns a Spring AI {@code Usage} into core's {@link Usage}. The provider's own usage object,
 * when Spring AI keeps it ({@code getNativeUsage()}), gives cache and reasoning tokens: Anthropic's
 * reports cache reads and writes beside the input tokens, OpenAI's inside the prompt tokens. Any
 * other provider is charged its prompt and completion tokens.
 */
final class UsageReader {

  private UsageReader() {}

  /** The usage, or {@code null} when it reports no tokens at all; throws for a usage object it cannot read. */
  static Usage read(String model, Object springUsage) throws ReflectiveOperationException {
    if (springUsage == null) {
      return null;
    }
    if (!Accessors.has(springUsage, "getPromptTokens") && !Accessors.has(springUsage, "getCompletionTokens")) {
      // not a usage that reports nothing: one the agent cannot read, so the call pays what it reserved
      throw new IllegalStateException(springUsage.getClass().getName() + " has neither getPromptTokens() nor "
          + "getCompletionTokens(): a Spring AI Usage of a shape the agent does not know");
    }
    Object nativeUsage = Accessors.get(springUsage, "getNativeUsage");
    Usage usage = null;
    if (Accessors.has(nativeUsage, "cacheReadInputTokens") || Accessors.has(nativeUsage, "cacheCreationInputTokens")) {
      usage = new Usage(model, Accessors.number(nativeUsage, "inputTokens"), Accessors.number(nativeUsage, "outputTokens"),
          Accessors.number(nativeUsage, "cacheReadInputTokens"), Accessors.number(nativeUsage, "cacheCreationInputTokens"),
          0, 0, false);
    } else if (Accessors.has(nativeUsage, "promptTokensDetails")) {
      long prompt = Accessors.number(nativeUsage, "promptTokens");
      long output = Accessors.number(nativeUsage, "completionTokens");
      Object promptDetails = Accessors.get(nativeUsage, "promptTokensDetails");
      Object completionDetails = Accessors.get(nativeUsage, "completionTokenDetails");
      long cached = Math.min(prompt, Accessors.number(promptDetails, "cachedTokens"));
      long reasoning = Math.min(output, Accessors.number(completionDetails, "reasoningTokens"));
      // audio is part of the prompt and of the output, and dearer than text (gpt-4o-audio-preview)
      usage = new Usage(model, prompt - cached, output, cached, 0, 0, reasoning, false, null,
          Math.min(prompt - cached, Accessors.number(promptDetails, "audioTokens")),
          Math.min(output - reasoning, Accessors.number(completionDetails, "audioTokens")));
    }
    if (usage == null || usage.promptTokens() + usage.outputTokens() == 0) {
      usage = Usage.of(model, Accessors.number(springUsage, "getPromptTokens"),
          Accessors.number(springUsage, "getCompletionTokens"));
    }
    return usage.promptTokens() + usage.outputTokens() == 0 ? null : usage;
  }

  /** The larger of each count: providers report usage cumulatively across a stream's chunks. */
  static Usage max(Usage a, Usage b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    long output = Math.max(a.outputTokens(), b.outputTokens());
    long input = Math.max(a.inputTokens(), b.inputTokens());
    long reasoning = Math.min(output, Math.max(a.reasoningTokens(), b.reasoningTokens()));
    return new Usage(b.model(), input, output,
        Math.max(a.cacheReadTokens(), b.cacheReadTokens()), Math.max(a.cacheWrite5mTokens(), b.cacheWrite5mTokens()),
        Math.max(a.cacheWrite1hTokens(), b.cacheWrite1hTokens()), reasoning, false, null,
        Math.min(input, Math.max(a.audioInputTokens(), b.audioInputTokens())),
        Math.min(output - reasoning, Math.max(a.audioOutputTokens(), b.audioOutputTokens())));
  }
}
