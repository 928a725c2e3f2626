/**
 * The HTTP seam shared by every Stainless-generated SDK (openai-java, anthropic-java): advice on
 * {@code RetryingHttpClient.execute/executeAsync}, above the retry loop, so each call is seen once.
 * Before the call it reads the JSON request and reserves its worst-case cost; after, it wraps the
 * response so the body's bytes pass through untouched while the usage is read from them, and
 * settles the reservation at end of body or close, through the shared metering of
 * {@code dev.llmbudget.agent.instrumentation.meter}. What is Stainless's own is here: which
 * requests are priced, how their JSON reads, and how the SDK's {@code HttpResponse} is proxied.
 * Nothing here links against an SDK: SDK objects are reached through method handles cached per
 * class ({@link java.lang.ClassValue}). A stream whose server rejected the {@code stream_options}
 * the seam added is sent again through the same client, as the app made it; the advice lets that
 * second sending pass, so the call still holds one reservation ({@code StreamOptionHosts} keeps
 * which hosts reject the option).
 *
 * <p>{@code HttpSeam} and the advice classes are public only because the advice is inlined into
 * SDK classes in other packages, which must be able to call them.
 */
package dev.llmbudget.agent.instrumentation.stainless;
