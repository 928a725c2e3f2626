/**
 * HTTP reads on {@code java.net.http} for the hosted store and price tables fetched by URL, bounded
 * by a total deadline and a size cap. Isolated (see {@link dev.llmbudget.isolated}).
 */
package dev.llmbudget.isolated.http;
