package dev.llmbudget.agent.instrumentation.meter;

/**
 * What a priced request tells before it goes out: the model, the prompt as text (for token
 * counting), the number of chat messages (for OpenAI's per-message overhead; 0 where the provider
 * has none) and the output cap, 0 when none.
 */
public record LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens) {}
