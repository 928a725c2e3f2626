package dev.llmbudget.it.genai;

/** The SDK calls a child JVM makes; one implementation per SDK, linked only when that SDK is used. */
interface LlmCalls {
  void sync() throws Exception;

  void async() throws Exception;

  /** Streams to the end. */
  void stream() throws Exception;

  /** Reads one chunk of a stream, then stops. */
  void streamEarly() throws Exception;

  /** An SDK-specific call. */
  void other(String name) throws Exception;
}
