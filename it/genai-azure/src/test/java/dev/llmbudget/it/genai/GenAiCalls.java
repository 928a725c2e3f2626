package dev.llmbudget.it.genai;

import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import java.util.Iterator;

/** google-genai against the fake server, through the endpoint override and a Gemini API key (not Vertex). */
final class GenAiCalls implements LlmCalls {

  static final String MODEL = "gemini-2.5-flash";
  /** Pinned: the SDK's default moved from v1beta (1.x) to v1 (2.x). */
  static final String API_VERSION = "v1beta";
  private static final String PROMPT = "Say hello to the budget.";

  private final Client client;
  private final GenerateContentConfig config;

  GenAiCalls(String baseUrl, long maxTokens) {
    HttpOptions.Builder http = HttpOptions.builder().baseUrl(baseUrl).apiVersion(API_VERSION);
    if (FastRetries.AVAILABLE) {
      FastRetries.apply(http);
    }
    client = Client.builder().apiKey("test-gemini-key").vertexAI(false).httpOptions(http.build()).build();
    // 0: no output cap at all, as most application code sends.
    config = maxTokens > 0 ? GenerateContentConfig.builder().maxOutputTokens((int) maxTokens).build()
        : GenerateContentConfig.builder().build();
  }

  @Override
  public void sync() {
    GenerateContentResponse r = client.models.generateContent(MODEL, PROMPT, config);
    check(r.text());
  }

  @Override
  public void async() throws Exception {
    check(client.async.models.generateContent(MODEL, PROMPT, config).get().text());
  }

  @Override
  public void stream() {
    StringBuilder text = new StringBuilder();
    try (ResponseStream<GenerateContentResponse> s = client.models.generateContentStream(MODEL, PROMPT, config)) {
      for (GenerateContentResponse chunk : s) {
        text.append(chunk.text());
      }
    }
    check(text.toString());
  }

  @Override
  public void streamEarly() {
    try (ResponseStream<GenerateContentResponse> s = client.models.generateContentStream(MODEL, PROMPT, config)) {
      Iterator<GenerateContentResponse> it = s.iterator();
      check(it.next().text());
    }
  }

  @Override
  public void other(String name) throws Exception {
    if (name.equals("asyncstream")) {
      StringBuilder text = new StringBuilder();
      try (ResponseStream<GenerateContentResponse> s = client.async.models.generateContentStream(MODEL, PROMPT, config).get()) {
        for (GenerateContentResponse chunk : s) {
          text.append(chunk.text());
        }
      }
      check(text.toString());
    } else if (name.equals("image")) {
      CallsApp.printingRefusal(name, () -> check(client.models.generateContent(MODEL, ImageCall.content(), config).text()));
    } else {
      throw new IllegalArgumentException(name);
    }
  }

  /**
   * A user content of a text part and an inline PNG part, as a multimodal app sends it. A class of
   * its own, so a JVM that never sends it never links the part types.
   */
  private static final class ImageCall {
    static com.google.genai.types.Content content() {
      return com.google.genai.types.Content.fromParts(com.google.genai.types.Part.fromText("What is in this picture?"),
          com.google.genai.types.Part.fromBytes(java.util.Base64.getDecoder().decode(
              "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="),
              "image/png"));
    }
  }

  /**
   * The SDK's retries with millisecond back-off: 2.x retries a failed call for ~28 s by default
   * (1 s doubling), which a test of failed calls would only wait out. 1.x has no retry options.
   */
  private static final class FastRetries {
    static final boolean AVAILABLE = present("com.google.genai.types.HttpRetryOptions");

    static void apply(HttpOptions.Builder http) {
      http.retryOptions(com.google.genai.types.HttpRetryOptions.builder().attempts(3).initialDelay(0.01)
          .maxDelay(0.05).build());
    }

    private static boolean present(String name) {
      try {
        Class.forName(name, false, GenAiCalls.class.getClassLoader());
        return true;
      } catch (ClassNotFoundException e) {
        return false;
      }
    }
  }

  private static void check(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalStateException("empty answer");
    }
  }
}
