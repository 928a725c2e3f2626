/**
 * The agent's entry point, and nothing else.
 *
 * <p>Class loaders: {@link dev.llmbudget.agent.LlmBudgetAgent} is the only class the system
 * class loader defines from the agent jar. Before it touches any other class of ours it appends
 * the jar to the bootstrap class path, then loads {@code internal.AgentInstaller} through the
 * bootstrap loader. From then on every {@code dev.llmbudget.*} class (core and agent) lives in the
 * bootstrap loader, exactly once. Parent-first delegation reaches bootstrap before any
 * application loader, so an application that bundles its own {@code llm-budget-core} (flat class
 * path, Spring Boot fat jar, servlet container) shares one {@code BudgetContext}, one store and
 * one global budget with the agent.
 *
 * <p>The price of that: code in the bootstrap loader cannot see SDK or SLF4J classes. The agent
 * therefore never links them; it reaches SDK objects through method handles cached per class and
 * wraps SDK responses in {@link java.lang.reflect.Proxy} instances defined in the SDK's own loader.
 */
package dev.llmbudget.agent;
