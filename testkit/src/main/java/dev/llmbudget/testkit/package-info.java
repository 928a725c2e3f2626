/**
 * A loopback LLM server with realistic OpenAI and Anthropic answers and fixed usage, so tests,
 * samples and benchmarks exercise the real SDKs over real HTTP without a network or a key.
 */
package dev.llmbudget.testkit;
