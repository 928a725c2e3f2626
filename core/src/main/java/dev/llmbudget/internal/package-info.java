/**
 * Implementation that users never name: the engine that reserves and charges calls, the
 * process-wide runtime and store registry, reading usage out of response JSON, the MDC lookup and
 * logging. The agent calls into {@link dev.llmbudget.internal.BudgetEngine}; these classes are
 * public only so that it can, and may change without notice.
 */
package dev.llmbudget.internal;
