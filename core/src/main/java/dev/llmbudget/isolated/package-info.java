/**
 * Implementations that may use any JDK module or a third-party client, and so must never be
 * loaded from the bootstrap class path: under the agent, everything below this package is packed
 * into the agent jar as {@code inst/**.classdata} and defined by the agent's isolated class loader
 * (parent: the platform loader). Code here uses only public types of core and is reached only
 * through {@link dev.llmbudget.internal.Extensions} and a service file; nothing outside this
 * package names these classes. A new store is one more package here, a class implementing
 * {@link dev.llmbudget.store.BudgetStoreProvider} and one line in its service file.
 */
package dev.llmbudget.isolated;
