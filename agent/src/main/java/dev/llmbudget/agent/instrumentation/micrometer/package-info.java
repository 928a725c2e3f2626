/**
 * Finds the application's Micrometer: when its {@code Metrics} class is initialised, the agent
 * hands {@code Metrics.globalRegistry} to core, which registers the budget meters there
 * reflectively. Nothing of Micrometer is in the agent jar.
 */
package dev.llmbudget.agent.instrumentation.micrometer;
