/**
 * Prices of LLM models: the price table (LiteLLM's {@code model_prices_and_context_window.json}
 * format, bundled and replaceable through {@code llmbudget.prices}), the rules that map the model
 * name a call gives to a table entry, and the exact {@link java.math.BigDecimal} cost of a call's
 * {@link dev.llmbudget.Usage}. It lives apart from budgets so that prices can be reloaded or
 * replaced without touching what is counted against them.
 *
 * <p>{@link dev.llmbudget.pricing.PriceTable#resolve(String)} tries, in order, and stops at the
 * first hit: an alias given to {@link dev.llmbudget.pricing.PriceTable#withAliases}; the exact
 * key; then, ignoring case, the name and each form with leading {@code provider/} segments
 * stripped ({@code openai/gpt-4o} is {@code gpt-4o}); each of those with snapshot and version
 * suffixes stripped one at a time ({@code -2024-07-18}, {@code -20250929}, {@code @20250929},
 * {@code -latest}, {@code -v1:0}); each of those with a Bedrock region prefix ({@code us.},
 * {@code eu.}, {@code apac.}, {@code jp.}, {@code au.}, {@code global.}, {@code us-gov.})
 * stripped; and last, the same forms matched against table keys with a provider prefix added
 * ({@code llama3} is {@code ollama/llama3}), taking the dearest entry when several providers list
 * the name. Answers, including "not found", are cached per name, up to 10,000 names.
 */
package dev.llmbudget.pricing;
