/**
 * Start-up: configuration, the Byte Buddy agent builder and the warm-up of price table and store.
 * Everything here runs in the bootstrap class loader.
 */
package dev.llmbudget.agent.internal;
