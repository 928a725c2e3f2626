/**
 * The public face of llm-budget: {@link dev.llmbudget.BudgetManager} (LiteLLM's budget manager
 * for the JVM), {@link dev.llmbudget.GlobalBudget}, {@link dev.llmbudget.BudgetContext} (which
 * user pays), {@link dev.llmbudget.Reservation} and {@link dev.llmbudget.BudgetExceededError}.
 * Everything a user names lives here; the machinery lives in the sub-packages.
 */
package dev.llmbudget;
