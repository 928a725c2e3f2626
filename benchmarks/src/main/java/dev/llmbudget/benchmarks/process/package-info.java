/**
 * Whole-process harnesses, for what JMH cannot measure in one JVM: the per-call overhead of the
 * agent through the real openai-java client, and start-up with no agent, ours and OpenTelemetry's.
 * {@link dev.llmbudget.benchmarks.process.ProcessHarness} starts {@link
 * dev.llmbudget.benchmarks.process.LlmCallerApp} in child JVMs, alternating the variants round by
 * round, and prints the comparison.
 */
package dev.llmbudget.benchmarks.process;
