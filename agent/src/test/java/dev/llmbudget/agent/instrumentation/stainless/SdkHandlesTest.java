package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.anthropic.AnthropicInstrumentation;
import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request the agent sends instead of the SDK's (the option or cap written into its body) is the
 * SDK's request in all but the body, on the real openai-java and anthropic-java, and making it costs
 * a few objects, not a copy of the request's headers and query parameters.
 */
class SdkHandlesTest {

  private static final byte[] JSON = "{\"model\":\"gpt-5-mini\",\"stream\":true,\"messages\":[]}"
      .getBytes(StandardCharsets.UTF_8);
  private static final byte[] OPTION = "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.UTF_8);
  private static final String SPLICED = "{\"stream_options\":{\"include_usage\":true},\"model\":\"gpt-5-mini\","
      + "\"stream\":true,\"messages\":[]}";

  @BeforeEach
  void registerSdks() {
    HttpSeam.register(List.of(OpenAiInstrumentation.SDK, AnthropicInstrumentation.SDK));
  }

  /** An SDK body of {@link #JSON}; {@code closed[0]} counts its closes. */
  private static com.openai.core.http.HttpRequestBody openAiBody(int[] closed) {
    return new com.openai.core.http.HttpRequestBody() {
      @Override
      public void writeTo(OutputStream out) {
        try {
          out.write(JSON, 0, JSON.length);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      @Override
      public String contentType() {
        return "application/json";
      }

      @Override
      public long contentLength() {
        return JSON.length;
      }

      @Override
      public boolean repeatable() {
        return true;
      }

      @Override
      public void close() {
        closed[0]++;
      }
    };
  }

  private static com.openai.core.http.HttpRequest openAiRequest(int[] closed) {
    return com.openai.core.http.HttpRequest.builder().method(com.openai.core.http.HttpMethod.POST)
        .baseUrl("https://example.openai.azure.com/openai").addPathSegments("chat", "completions")
        .putHeader("Authorization", "Bearer sk-test").putHeader("X-Stainless-Retry-Count", "0")
        .putHeaders("Accept", List.of("application/json", "text/event-stream"))
        .putQueryParam("api-version", "2024-10-21").body(openAiBody(closed)).build();
  }

  private static String written(com.openai.core.http.HttpRequestBody body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    body.writeTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void anOpenAiRequestWithARewrittenBodyIsTheSdksRequestInAllButItsBody() throws Throwable {
    int[] closed = {0};
    com.openai.core.http.HttpRequest request = openAiRequest(closed);
    SdkHandles handles = SdkHandles.of(request);

    com.openai.core.http.HttpRequest sent = (com.openai.core.http.HttpRequest) handles.withBody(
        request, request.body(), JSON, 1, 1, OPTION);

    assertThat(sent).isNotSameAs(request);
    assertThat(sent.method()).isEqualTo(request.method());
    assertThat(sent.url()).isEqualTo("https://example.openai.azure.com/openai/chat/completions?api-version=2024-10-21");
    assertThat(sent.pathSegments()).isEqualTo(request.pathSegments());
    assertThat(sent.headers()).isEqualTo(request.headers());
    assertThat(sent.headers().values("Accept")).containsExactly("application/json", "text/event-stream");
    assertThat(sent.queryParams()).isEqualTo(request.queryParams());
    assertThat(written(sent.body())).isEqualTo(SPLICED);
    assertThat(sent.body().contentLength()).isEqualTo(SPLICED.length());
    assertThat(sent.body().contentType()).isEqualTo("application/json");
    assertThat(sent.body().repeatable()).isTrue();
    assertThat(written(sent.body())).as("written again, as a retry does").isEqualTo(SPLICED);
    // a default method, for an app's own transport, reads the same bytes
    assertThat(new String(sent.body().content().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(SPLICED);
    sent.body().close();
    assertThat(closed[0]).as("closing the rewritten body closes the SDK's").isEqualTo(1);
    // The whole body replaced, as the output cap is written.
    byte[] capped = "{\"max_tokens\":5}".getBytes(StandardCharsets.UTF_8);
    assertThat(written(((com.openai.core.http.HttpRequest) handles.withBody(request, request.body(), capped)).body()))
        .isEqualTo("{\"max_tokens\":5}");
  }

  @Test
  void anAnthropicRequestWithARewrittenBodyIsTheSdksRequestInAllButItsBody() throws Throwable {
    com.anthropic.core.http.HttpRequestBody body = com.anthropic.core.http.HttpRequestBody.ofJson(
        java.util.Map.of("model", "claude-sonnet-4-5", "max_tokens", 4096));
    com.anthropic.core.http.HttpRequest request = com.anthropic.core.http.HttpRequest.builder()
        .method(com.anthropic.core.http.HttpMethod.POST).baseUrl("https://api.anthropic.com")
        .addPathSegments("v1", "messages").putHeader("x-api-key", "sk-ant").putHeader("anthropic-version", "2023-06-01")
        .putQueryParam("beta", "true").body(body).build();
    byte[] capped = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100}".getBytes(StandardCharsets.UTF_8);

    com.anthropic.core.http.HttpRequest sent = (com.anthropic.core.http.HttpRequest) SdkHandles.of(request)
        .withBody(request, body, capped);

    assertThat(sent.method()).isEqualTo(request.method());
    assertThat(sent.url()).isEqualTo(request.url());
    assertThat(sent.headers()).isEqualTo(request.headers());
    assertThat(sent.queryParams()).isEqualTo(request.queryParams());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sent.body().orElseThrow().writeTo(out);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(new String(capped, StandardCharsets.UTF_8));
    assertThat(sent.body().orElseThrow().contentLength()).isEqualTo(capped.length);
  }

  @Test
  void rewritingABodyAllocatesAFewObjectsNotACopyOfTheRequest() throws Throwable {
    com.openai.core.http.HttpRequest request = openAiRequest(new int[1]);
    SdkHandles handles = SdkHandles.of(request);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    Object original = request.body();
    long least = Long.MAX_VALUE;
    Object sink = null;
    for (int round = 0; round < 20_005; round++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      sink = handles.withBody(request, original, JSON, 1, 1, OPTION);
      if (round >= 20_000) {
        least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
      }
    }
    assertThat(sink).isNotNull();
    System.out.println("SdkHandlesTest: bytes allocated rewriting a request's body: " + least);
    // the request, the body's proxy and its handler; the SDK's builder copied headers and query
    // parameters into new maps and lists, ~1.5 KB
    assertThat(least).as("bytes allocated rewriting a request's body").isLessThan(256);
  }

  @Test
  void aRequestOfAnotherShapeIsRebuiltByItsBuilder() throws Throwable {
    String pkg = dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequest.class.getPackageName();
    HttpSeam.register(List.of(new StainlessSdk(pkg, (method, path) -> Endpoint.CHAT_COMPLETIONS)));
    int[] closed = {0};
    dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequestBody body =
        new dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequestBody() {
          @Override
          public void writeTo(OutputStream out) {
            throw new AssertionError("the rewritten body is written, not the SDK's");
          }

          @Override
          public String contentType() {
            return "application/json";
          }

          @Override
          public long contentLength() {
            return JSON.length;
          }

          @Override
          public boolean repeatable() {
            return true;
          }

          @Override
          public void close() {
            closed[0]++;
          }
        };
    dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequest request =
        dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequest.builder().method("POST")
            .pathSegments(List.of("chat", "completions")).headers(java.util.Map.of("Authorization", "Bearer sk"))
            .body(body).build();
    assertThat(SdkHandles.copierWithBody(request.getClass(),
        dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequestBody.class))
        .as("no constructor of Kotlin's shape").isNull();

    dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequest sent =
        (dev.llmbudget.agent.instrumentation.stainless.buildershape.HttpRequest) SdkHandles.of(request)
            .withBody(request, body, JSON, 1, 1, OPTION);

    assertThat(sent.method()).isEqualTo("POST");
    assertThat(sent.pathSegments()).containsExactly("chat", "completions");
    assertThat(sent.headers()).isEqualTo(request.headers());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sent.body().writeTo(out);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(SPLICED);
    assertThat(sent.body().contentLength()).isEqualTo(SPLICED.length());
    sent.body().close();
    assertThat(closed[0]).isEqualTo(1);
  }

  /** The SDK's classes of {@code classPathFile} (an oldest-sdks module's class path), in a loader of their own. */
  private static ClassLoader oldest(String classPathFile) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : Files.readString(Path.of(classPathFile)).trim().split(java.io.File.pathSeparator)) {
      urls.add(Path.of(entry).toUri().toURL());
    }
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }

  @Test
  void theOldestAndNewestSdksRequestsAreRebuiltWithoutTheirBuilder() throws Exception {
    ClassLoader[] loaders = {
        getClass().getClassLoader(),
        oldest("oldest-sdks/openai/target/classpath.txt"),
        oldest("oldest-sdks/anthropic/target/classpath.txt"),
    };
    int checked = 0;
    for (ClassLoader loader : loaders) {
      for (String pkg : new String[] {"com.openai.core.http", "com.anthropic.core.http"}) {
        Class<?> requestType;
        try {
          requestType = Class.forName(pkg + ".HttpRequest", false, loader);
        } catch (ClassNotFoundException e) {
          continue; // an oldest-sdks loader holds one SDK
        }
        Class<?> bodyType = Class.forName(pkg + ".HttpRequestBody", false, loader);
        assertThat(SdkHandles.copierWithBody(requestType, bodyType))
            .as("%s of %s", requestType.getName(), requestType.getProtectionDomain().getCodeSource().getLocation())
            .isNotNull();
        checked++;
      }
    }
    assertThat(checked).as("openai-java and anthropic-java, newest and oldest").isEqualTo(4);
  }
}
