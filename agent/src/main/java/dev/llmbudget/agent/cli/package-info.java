/**
 * The operator's command line, {@code java -jar llm-budget-agent.jar COMMAND}: report, inspect and
 * change the budgets of the store a fleet of applications uses, with the same configuration keys as
 * the agent. Nothing on the agent's start-up path names these classes, so {@code -javaagent} never
 * loads them. They run in the application class loader of the {@code java -jar} JVM, with the
 * isolated classes (HTTP, client stores) behind an {@code IsolatedClassLoader} on top of it.
 */
package dev.llmbudget.agent.cli;
