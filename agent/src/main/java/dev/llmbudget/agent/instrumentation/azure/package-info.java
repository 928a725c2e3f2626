/**
 * Azure OpenAI ({@code com.azure:azure-ai-openai}, 1.0.0-beta.8 to 1.0.0-beta.16, on Azure or
 * OpenAI endpoints): chat completions, blocking and streaming, legacy completions and embeddings
 * from {@code OpenAIClient} and {@code OpenAIAsyncClient}.
 *
 * <p>The seam is the service clients' protocol methods {@code OpenAIClientImpl} and
 * {@code NonAzureOpenAIClientImpl} {@code .get{ChatCompletions,Completions,Embeddings}WithResponse(
 * String deploymentOrModelName, BinaryData body, RequestOptions)}: every typed method of
 * {@code OpenAIClient}, streaming ones included, ends in one of them once, and they sit above
 * azure-core's pipeline and its retry policy, so a retried request is one call. The body is the
 * wire JSON; the request names a deployment, which {@code llmbudget.azure.deployments=deployment:model;...}
 * maps to a priced model (core adds those names to the price table). The answer's {@code model},
 * when Azure names one, prices the charge.
 *
 * <p>An answer azure-core already holds whole is read at once and handed on untouched; a streamed
 * one is handed on as a {@code BinaryData} over a metering stream inside a proxy of
 * {@code Response}. Without {@code stream_options.include_usage} (which the SDK only sends when
 * asked) a stream's cost is estimated from its text. {@code OpenAIAsyncClient} ends in the
 * {@code get*WithResponseAsync} twins, whose Reactor {@code Mono} sends on each subscription: it is
 * wrapped so that each subscription reserves, is refused as an error signal, and settles as its
 * body's bytes flow past ({@code AzureReactor}). Not
 * covered: images, audio and assistants.
 */
package dev.llmbudget.agent.instrumentation.azure;
