/** Runnable apps that use a real SDK with the agent attached. */
package dev.llmbudget.samples;
