/**
 * JMH benchmarks of what sits on every LLM call: the stores' reserve and settle, and the token
 * counting that prices a prompt before it goes out. {@code benchmarks/run.sh} runs them and
 * {@link dev.llmbudget.benchmarks.ResultsSummary} prints the table that BENCHMARKS.md quotes.
 */
package dev.llmbudget.benchmarks;
