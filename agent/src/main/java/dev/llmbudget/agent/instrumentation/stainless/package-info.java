/**
 * The HTTP seam shared by every Stainless-generated SDK (openai-java, anthropic-java): advice on
 * {@code RetryingHttpClient.execute/executeAsync}, above the retry loop, so each call is seen once.
 * Before the call it reads the JSON request and reserves its worst-case cost; after, it wraps the
 * response so the body's bytes pass through untouched while the usage is read from them, and
 * settles the reservation at end of body or close. Nothing here links against an SDK: SDK objects
 * are reached through method handles cached per class ({@link java.lang.ClassValue}).
 *
 * <p>{@code HttpSeam}, {@code Refusal} and the advice classes are public only because the advice
 * is inlined into SDK classes in other packages, which must be able to call them.
 */
package dev.llmbudget.agent.instrumentation.stainless;
