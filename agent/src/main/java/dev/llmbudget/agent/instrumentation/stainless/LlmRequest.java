package dev.llmbudget.agent.instrumentation.stainless;

/**
 * What the agent needs from a priced request: the model, the prompt as text (for token counting),
 * the number of chat messages (for their per-message overhead) and the output cap, 0 when none.
 */
record LlmRequest(String model, CharSequence prompt, int messageCount, long maxOutputTokens) {}
