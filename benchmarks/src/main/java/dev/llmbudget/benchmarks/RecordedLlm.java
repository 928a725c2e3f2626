package dev.llmbudget.benchmarks;

import com.openai.core.RequestOptions;
import com.openai.core.http.Headers;
import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpResponse;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An openai-java {@link HttpClient} that answers from memory what the testkit's server answered
 * once over loopback: the same bytes, an event stream handed over one event per read as the
 * server's flushes arrive. Without a socket between them, a call's time is the SDK's work plus the
 * agent's (which weaves the SDK's {@code RetryingHttpClient} around this transport exactly as
 * around OkHttp), so what the agent adds stands out of the network's noise.
 */
final class RecordedLlm implements HttpClient {

  private final byte[] json;
  private final byte[][] events;
  /** The stream of a request that asks for no usage: no usage chunk, as OpenAI answers it. */
  private final byte[][] eventsWithoutUsage;

  private RecordedLlm(byte[] json, byte[][] events, byte[][] eventsWithoutUsage) {
    this.json = json;
    this.events = events;
    this.eventsWithoutUsage = eventsWithoutUsage;
  }

  /** Records a blocking and a streaming chat answer from {@code server} for {@code model}. */
  static RecordedLlm record(FakeLlmServer server, String model) throws Exception {
    byte[] json = post(server, "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    byte[] stream = post(server, "{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":"
        + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    byte[] withoutUsage = post(server, "{\"model\":\"" + model + "\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    return new RecordedLlm(json, frames(stream), frames(withoutUsage));
  }

  private static byte[][] frames(byte[] stream) {
    List<byte[]> frames = new ArrayList<>();
    String all = new String(stream, StandardCharsets.UTF_8);
    int from = 0;
    for (int end = all.indexOf("\n\n"); end >= 0; end = all.indexOf("\n\n", from)) {
      frames.add(all.substring(from, end + 2).getBytes(StandardCharsets.UTF_8));
      from = end + 2;
    }
    return frames.toArray(new byte[0][]);
  }

  private static byte[] post(FakeLlmServer server, String body) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    java.net.http.HttpResponse<byte[]> r = http.send(java.net.http.HttpRequest.newBuilder(
            URI.create(server.openAiBaseUrl() + "/chat/completions"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer sk-test")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
        throw new IllegalStateException("the fake server answered " + r.statusCode());
    }
    return r.body();
  }

  @Override
  public HttpResponse execute(HttpRequest request, RequestOptions options) {
    // The SDK's body is written out, as OkHttp would; whether it streams decides the answer.
    boolean stream;
    boolean usage;
    try (ByteArrayOutputStream out = new ByteArrayOutputStream(1024)) {
      request.body().writeTo(out);
      stream = contains(out, "\"stream\":true");
      usage = contains(out, "\"include_usage\":true");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return stream ? new Answer("text/event-stream", new Frames(usage ? events : eventsWithoutUsage))
        : new Answer("application/json", new Frames(new byte[][] {json}));
  }

  private static boolean contains(ByteArrayOutputStream out, String s) {
    return out.toString(StandardCharsets.UTF_8).contains(s);
  }

  @Override
  public CompletableFuture<HttpResponse> executeAsync(HttpRequest request, RequestOptions options) {
    return CompletableFuture.completedFuture(execute(request, options));
  }

  @Override
  public void close() {}

  private static final class Answer implements HttpResponse {
    private final Headers headers;
    private final InputStream body;

    Answer(String contentType, InputStream body) {
      this.headers = Headers.builder().put("content-type", contentType).build();
      this.body = body;
    }

    @Override
    public int statusCode() {
      return 200;
    }

    @Override
    public Headers headers() {
      return headers;
    }

    @Override
    public InputStream body() {
      return body;
    }

    @Override
    public void close() {}
  }

  /** Hands over one recorded frame (at most) per read, as a socket does with a flushed event. */
  private static final class Frames extends InputStream {
    private final byte[][] frames;
    private int frame;
    private int at;

    Frames(byte[][] frames) {
      this.frames = frames;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (frame == frames.length) {
        return -1;
      }
      byte[] f = frames[frame];
      int n = Math.min(len, f.length - at);
      System.arraycopy(f, at, b, off, n);
      at += n;
      if (at == f.length) {
        frame++;
        at = 0;
      }
      return n;
    }
  }
}
