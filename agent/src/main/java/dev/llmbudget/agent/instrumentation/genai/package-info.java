/**
 * Google GenAI ({@code com.google.genai:google-genai}, 1.0.0 to 2.0.0): {@code Models} and
 * {@code AsyncModels} {@code generateContent} and {@code generateContentStream}, whichever client
 * (Gemini API key or Vertex AI) and endpoint.
 *
 * <p>The seam is {@code HttpApiClient.request} and (2.x) {@code asyncRequest}, the overloads that
 * carry the JSON body as a {@code String}. Why there and not at the service methods: every HTTP
 * call of the SDK passes through it exactly once, in every version, whatever happens above it
 * (automatic function calling and the 2.x continuation send several requests for one
 * {@code generateContent}, and each is billed); it sits above the 2.x OkHttp retry interceptor, so
 * a retried request is one call; and the path and the body are exactly what the provider prices.
 * The service methods changed shape between 1.0 and 2.0 ({@code AsyncModels} went from running
 * {@code Models} on a pool thread to sending its own requests); this method did not. Only paths
 * ending in {@code :generateContent} and {@code :streamGenerateContent} are priced; embeddings,
 * token counting, files, caches and the rest pass untouched.
 *
 * <p>The answer is handed back as a new {@code HttpApiResponse} around the same HTTP response with
 * a metered body ({@link dev.llmbudget.agent.instrumentation.genai.GenAiResponses}): OkHttp in
 * later versions, Apache HttpClient in early 1.x. The usage is Gemini's {@code usageMetadata},
 * read by core, the last one of a stream winning (Gemini repeats a growing count in every chunk),
 * so a stream closed early is charged what its last chunk reported.
 *
 * <p>1.x {@code AsyncModels} runs {@code Models} on the common pool, where the caller's user is
 * gone: the caller's user is tagged on the content list it passes and taken over on the pool
 * thread when {@code Models.generateContent*} receives that list. Not covered: in 2.x, the
 * follow-up requests that automatic function calling or continuation send from an async call's
 * completion thread are charged to the global budget only, not to the caller's user.
 */
package dev.llmbudget.agent.instrumentation.genai;
