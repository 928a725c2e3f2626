package dev.llmbudget.agent.instrumentation.stainless;

/** The kinds of priced LLM request the agent meters; each has its own request shape. */
public enum Endpoint {
  CHAT_COMPLETIONS,
  COMPLETIONS,
  RESPONSES,
  EMBEDDINGS,
  MESSAGES
}
