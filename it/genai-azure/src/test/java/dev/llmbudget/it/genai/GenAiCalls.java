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
    client = Client.builder().apiKey("test-gemini-key").vertexAI(false)
        .httpOptions(HttpOptions.builder().baseUrl(baseUrl).apiVersion(API_VERSION).build()).build();
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
    } else {
      throw new IllegalArgumentException(name);
    }
  }

  private static void check(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalStateException("empty answer");
    }
  }
}
