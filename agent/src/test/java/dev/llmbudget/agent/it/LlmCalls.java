package dev.llmbudget.agent.it;

/** The SDK calls a child JVM makes; one implementation per SDK, linked only when that SDK is used. */
interface LlmCalls {
  void sync();

  void async() throws Exception;

  /** Streams to the end. */
  void stream();

  /** Reads one event of a stream, then closes it. */
  void streamEarly();

  /** An SDK-specific call: responses, embeddings, raw, beta... */
  void other(String name) throws Exception;
}
