/**
 * Local token counting with jtokkit, so that a call's cost can be estimated and reserved before it
 * goes out: exact for OpenAI's encodings, a documented approximation for other vendors, OpenAI's
 * chat-message overhead, and a cheap upper bound that lets a budget with ample headroom skip the
 * count altogether. It is separate from pricing because counting needs no prices and prices need
 * no tokenizer; after a call, the provider's reported usage replaces these estimates.
 */
package dev.llmbudget.tokens;
