package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.internal.Log;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each host (scheme, host and port of a request's base URL) did with the {@code stream_options}
 * the agent adds: took it, or rejected it with 400/422 where the same request without it went
 * through. A host that rejected it is never sent it again in this JVM; one that took it is never
 * sent a request twice for it. Bounded: past {@link #MAX_HOSTS} hosts, new ones are not learned
 * (a rejecting one is then retried on each call, still correct, one request dearer).
 */
final class StreamOptionHosts {

  static final int MAX_HOSTS = 256;

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);
  /** {@code HttpRequest.baseUrl()}, or null where an SDK version has none (then nothing is learned). */
  private static final ClassValue<MethodHandle> BASE_URL = new ClassValue<>() {
    @Override
    protected MethodHandle computeValue(Class<?> type) {
      try {
        return MethodHandles.publicLookup().unreflect(type.getMethod("baseUrl")).asType(GETTER);
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        return null;
      }
    }
  };

  /** Each base URL seen (a client's one string) to its host key: parsed once, not per call. */
  private final ConcurrentHashMap<String, String> hostOfBaseUrl = new ConcurrentHashMap<>();
  /** Host key to {@code TRUE}: it took the option; {@code FALSE}: it rejected it. */
  private final ConcurrentHashMap<String, Boolean> verdicts = new ConcurrentHashMap<>();

  /** {@code true} when {@code request}'s host is known to reject the option: it is not asked. */
  boolean rejects(Object request) {
    if (verdicts.isEmpty()) {
      return false;
    }
    String host = host(request);
    return host != null && verdicts.get(host) == Boolean.FALSE;
  }

  /** {@code true} when {@code request}'s host took the option before: its 400 is not about the option. */
  boolean accepts(Object request) {
    String host = host(request);
    return host != null && verdicts.get(host) == Boolean.TRUE;
  }

  /** Records that {@code request}'s host answered a request with the option with a success. */
  void accepted(Object request) {
    String host = host(request);
    if (host != null && verdicts.get(host) == null && verdicts.size() < MAX_HOSTS) {
      verdicts.putIfAbsent(host, Boolean.TRUE);
    }
  }

  /** Records that {@code request}'s host rejected the option and took the request without it. */
  void rejected(Object request) {
    String host = host(request);
    if (host == null || verdicts.get(host) != null || verdicts.size() >= MAX_HOSTS) {
      return;
    }
    if (verdicts.putIfAbsent(host, Boolean.FALSE) == null) {
      Log.warn("llm-budget: " + host + " rejects stream_options (it answered a stream that asked for its usage "
          + "with an error and the same request without it with a success); its streams are no longer asked for "
          + "their usage and are charged an estimate (reasoning tokens unseen)");
    }
  }

  /** The scheme, host and port of {@code request}'s base URL, or {@code null} when it cannot be told. */
  private String host(Object request) {
    try {
      MethodHandle baseUrl = BASE_URL.get(request.getClass());
      Object url = baseUrl == null ? null : baseUrl.invokeExact(request);
      if (!(url instanceof String)) {
        return null;
      }
      String known = hostOfBaseUrl.get(url);
      if (known != null) {
        return known;
      }
      String host = hostKey((String) url);
      if (host != null && hostOfBaseUrl.size() < MAX_HOSTS) {
        hostOfBaseUrl.putIfAbsent((String) url, host);
      }
      return host;
    } catch (Throwable t) {
      return null;
    }
  }

  /** {@code https://x.openai.azure.com:443} for {@code https://x.openai.azure.com/openai/...}; null when unparsable. */
  static String hostKey(String baseUrl) {
    try {
      URI uri = URI.create(baseUrl);
      String scheme = uri.getScheme();
      String host = uri.getHost();
      if (scheme == null || host == null) {
        return null;
      }
      scheme = scheme.toLowerCase(java.util.Locale.ROOT);
      int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
      return scheme + "://" + host.toLowerCase(java.util.Locale.ROOT) + ":" + port;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
