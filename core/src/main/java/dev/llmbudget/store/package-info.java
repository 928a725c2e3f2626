/**
 * Where budgets and their spend live: the {@link dev.llmbudget.store.BudgetStore} SPI and its
 * stores. {@link dev.llmbudget.store.MemoryStore} keeps budgets in this JVM only,
 * {@link dev.llmbudget.store.LocalFileStore} in a LiteLLM {@code user_cost.json} file that JVMs on
 * one host may share, and {@link dev.llmbudget.store.HostedStore} on a server speaking LiteLLM's
 * hosted budget protocol.
 *
 * <p>The local and hosted stores decide every call in memory, on a lock-free ledger, and persist
 * off the hot path from a background thread; persistence merges by deltas so that writers that
 * share the state add up their charges instead of overwriting each other. Money is a {@code long}
 * of picodollars ({@link dev.llmbudget.store.Picodollars}). A reservation is recorded under an id
 * with exactly what it holds on each budget and a lease, so settling it (once, by id) or letting
 * its lease run out frees exactly that, whatever happened to the limits meanwhile.
 */
package dev.llmbudget.store;
