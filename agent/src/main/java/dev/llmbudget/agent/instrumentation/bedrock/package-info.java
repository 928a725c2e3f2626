/**
 * AWS Bedrock Runtime (AWS SDK for Java 2.x): advice on the generated {@code
 * DefaultBedrockRuntimeClient} and {@code DefaultBedrockRuntimeAsyncClient} operation methods
 * {@code converse}, {@code invokeModel}, {@code converseStream} and {@code
 * invokeModelWithResponseStream}.
 *
 * <p>Why these methods and not the SDK's {@code ExecutionInterceptor} chain: each method runs once
 * per caller's call, on the caller's thread (so {@code BudgetContext} and the MDC are there even
 * for async calls, with no hand-off), before the request is marshalled, signed or sent, and above
 * the client handler whose pipeline holds the retry loop, so a retried request is one call. It
 * sees the typed request ({@code modelId()}, {@code messages()}, {@code system()}, {@code
 * inferenceConfig().maxTokens()}) and the typed answer ({@code usage()}, the stream's {@code
 * metadata} event) without re-parsing JSON or decoding AWS event-stream frames. An interceptor would
 * have to be added to every client by instrumenting the client builder, its {@code
 * beforeExecution} runs on an SDK thread for async calls, an exception thrown there is reported
 * through the SDK's own failure path rather than thrown as is, and for event streams it only sees
 * raw frame bytes. The price of the method seam: the two generated classes are the whole surface,
 * so a hand-written {@code BedrockRuntimeClient} that does not delegate to them is not metered.
 *
 * <p>Blocking calls throw {@code BudgetExceededError} from the advice, before the SDK method runs;
 * async calls skip the SDK method and return a future failed with it (a stream's handler also hears
 * it through {@code exceptionOccurred}). Answers are read through method handles cached per class
 * ({@code Accessors}); streams through proxies, in the SDK's class loader, of the caller's response
 * handler, its publisher, subscriber and subscription ({@code MeteredStream}), which pass every
 * event on unchanged and settle the call at the end, on failure, or when the caller cancels.
 */
package dev.llmbudget.agent.instrumentation.bedrock;
