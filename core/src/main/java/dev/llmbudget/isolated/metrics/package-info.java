/**
 * The Prometheus {@code /metrics} endpoint on the JDK's {@code com.sun.net.httpserver}, which the
 * boot loader cannot see. Isolated (see {@link dev.llmbudget.isolated}).
 */
package dev.llmbudget.isolated.metrics;
