/**
 * The SLF4J provider for the agent's isolated copy of SLF4J (Jedis logs through SLF4J), so the agent
 * adds no SLF4J lines of its own to the host's output. Isolated (see {@link dev.llmbudget.isolated}).
 */
package dev.llmbudget.isolated.slf4j;
