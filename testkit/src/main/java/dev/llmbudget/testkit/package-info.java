/**
 * What the tests, samples and benchmarks share. {@link dev.llmbudget.testkit.FakeLlmServer}: a loopback LLM
 * server with realistic OpenAI, Anthropic, Gemini, Azure, Bedrock and Ollama answers and fixed usage, so the
 * real SDKs run over real HTTP without a network or a key. {@link dev.llmbudget.testkit.ChildJvm},
 * {@link dev.llmbudget.testkit.ChildClassPath}, {@link dev.llmbudget.testkit.ChildApp} and
 * {@link dev.llmbudget.testkit.DefaultPrices}: the plumbing of the ITs that run an app in a real JVM with the
 * agent attached and check what it was charged. No JUnit here: the assertions stay in the tests.
 */
package dev.llmbudget.testkit;
