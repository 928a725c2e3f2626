/**
 * Metering shared by every seam that sees an LLM call's HTTP body (Stainless-generated SDKs,
 * Google GenAI, Azure OpenAI) and, for its reservation, Bedrock: a call reserved before it goes
 * out ({@link dev.llmbudget.agent.instrumentation.meter.MeteredCall}, from the request's facts in
 * an {@link dev.llmbudget.agent.instrumentation.meter.LlmRequest}) and settled exactly once, from
 * the response body as its bytes flow past ({@link dev.llmbudget.agent.instrumentation.meter.BodyMeter}),
 * whether the body is one JSON document or server-sent events, in any provider's shape, keeping a
 * bounded skeleton of it, and {@link dev.llmbudget.agent.instrumentation.meter.StreamedText}, the
 * bounded text every seam keeps for an estimate. An async
 * call refused on entry is a {@link dev.llmbudget.agent.instrumentation.meter.Refusal}. What differs
 * per SDK (which requests are priced, how to reach a response's body) stays in the SDK's package.
 * Nothing here links against an SDK.
 */
package dev.llmbudget.agent.instrumentation.meter;
