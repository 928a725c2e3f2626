/** anthropic-java: the type it instruments and which of its requests are priced. */
package dev.llmbudget.agent.instrumentation.anthropic;
