/**
 * Metering shared by the SDK seams that are not Stainless-generated (Google GenAI, Azure OpenAI):
 * a call reserved before it goes out ({@link dev.llmbudget.agent.instrumentation.meter.MeteredCall}),
 * then settled from the response body as its bytes flow past, whether the body is one JSON
 * document or server-sent events. What differs per provider (where the text and the usage are in
 * a JSON chunk) is a {@link dev.llmbudget.agent.instrumentation.meter.ChunkReader}. Nothing here
 * links against an SDK.
 */
package dev.llmbudget.agent.instrumentation.meter;
