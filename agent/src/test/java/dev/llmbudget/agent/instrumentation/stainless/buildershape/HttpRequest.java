package dev.llmbudget.agent.instrumentation.stainless.buildershape;

import java.util.List;
import java.util.Map;

/**
 * An SDK request made only by its builder (no constructor of Kotlin's shape), as a Stainless SDK
 * could generate it: the agent must rewrite its body through {@code toBuilder().body().build()}.
 */
public final class HttpRequest {

  private final String method;
  private final List<String> pathSegments;
  private final Map<String, String> headers;
  private final HttpRequestBody body;

  private HttpRequest(Builder b) {
    this.method = b.method;
    this.pathSegments = List.copyOf(b.pathSegments);
    this.headers = Map.copyOf(b.headers);
    this.body = b.body;
  }

  public String method() {
    return method;
  }

  public List<String> pathSegments() {
    return pathSegments;
  }

  public Map<String, String> headers() {
    return headers;
  }

  public HttpRequestBody body() {
    return body;
  }

  public Builder toBuilder() {
    return builder().method(method).pathSegments(pathSegments).headers(headers).body(body);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link HttpRequest}. */
  public static final class Builder {
    private String method;
    private List<String> pathSegments = List.of();
    private Map<String, String> headers = Map.of();
    private HttpRequestBody body;

    public Builder method(String method) {
      this.method = method;
      return this;
    }

    public Builder pathSegments(List<String> pathSegments) {
      this.pathSegments = pathSegments;
      return this;
    }

    public Builder headers(Map<String, String> headers) {
      this.headers = headers;
      return this;
    }

    public Builder body(HttpRequestBody body) {
      this.body = body;
      return this;
    }

    public HttpRequest build() {
      return new HttpRequest(this);
    }
  }
}
