package dev.llmbudget.isolated.http;

import dev.llmbudget.internal.RemoteReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link RemoteReader} on the JDK's {@code java.net.http} client. The JDK's own request timeout
 * stops at the response headers, so the whole exchange is awaited with one deadline and the body
 * is counted as it arrives: a server that drips its body, or sends without end, is cut off.
 */
public final class JdkRemoteReader implements RemoteReader {

  private final HttpClient http = HttpClient.newBuilder()
      .followRedirects(HttpClient.Redirect.NORMAL)
      .build();

  /** Public and no-argument for {@link java.util.ServiceLoader}. */
  public JdkRemoteReader() {}

  @Override
  public byte[] get(URI uri, Duration deadline, long maxBytes) throws IOException {
    return send(HttpRequest.newBuilder(uri).GET(), uri, deadline, maxBytes);
  }

  @Override
  public byte[] postJson(URI uri, byte[] json, Duration deadline, long maxBytes) throws IOException {
    return send(HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(json)), uri, deadline, maxBytes);
  }

  private byte[] send(HttpRequest.Builder builder, URI uri, Duration deadline, long maxBytes) throws IOException {
    long start = System.nanoTime();
    HttpRequest request = builder.timeout(deadline).build();
    CompletableFuture<HttpResponse<byte[]>> exchange =
        http.sendAsync(request, info -> new CappedBody(uri, maxBytes));
    HttpResponse<byte[]> response;
    try {
      response = exchange.get(deadline.toNanos() - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      exchange.cancel(true);
      throw new HttpTimeoutException(uri + " did not answer within " + deadline.toMillis() + " ms (the whole answer, body included)");
    } catch (InterruptedException e) {
      exchange.cancel(true);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading " + uri);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof HttpTimeoutException) {
        throw new HttpTimeoutException(uri + " did not answer within " + deadline.toMillis() + " ms");
      }
      if (cause instanceof ConnectException) {
        throw new ConnectException("cannot connect to " + uri + ": " + cause);
      }
      if (cause instanceof IOException && cause.getMessage() != null && cause.getMessage().startsWith(uri.toString())) {
        throw (IOException) cause;
      }
      throw new IOException("request to " + uri + " failed: " + cause, cause);
    }
    if (response.statusCode() / 100 != 2) {
      String text = new String(response.body(), StandardCharsets.UTF_8);
      throw new IOException(uri + " answered HTTP " + response.statusCode() + ": "
          + (text.length() <= 200 ? text : text.substring(0, 200) + "..."));
    }
    return response.body();
  }

  /** Collects the body and gives up, cancelling the exchange, once it passes the cap. */
  private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final URI uri;
    private final long maxBytes;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private long size;

    CappedBody(URI uri, long maxBytes) {
      this.uri = uri;
      this.maxBytes = maxBytes;
    }

    @Override
    public CompletableFuture<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer b : items) {
        size += b.remaining();
        if (size > maxBytes) {
          subscription.cancel();
          result.completeExceptionally(new IOException(uri + " sent an answer larger than the limit of "
              + maxBytes + " bytes"));
          return;
        }
        byte[] chunk = new byte[b.remaining()];
        b.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(out.toByteArray());
    }
  }
}
