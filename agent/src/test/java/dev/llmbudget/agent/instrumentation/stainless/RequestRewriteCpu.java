package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Not a test: the thread CPU and bytes of one {@link SdkHandles#withBody} (the request a stream is
 * sent with when the agent asks for its usage) on an openai-java chat request with the headers the
 * SDK sends, printed per round. With the argument {@code builder}, the SDK's builder is used as
 * before the constructor was (the handle cleared by reflection). See BENCHMARKS.md.
 */
final class RequestRewriteCpu {

  private RequestRewriteCpu() {}

  public static void main(String[] args) throws Throwable {
    HttpSeam.register(List.of(OpenAiInstrumentation.SDK));
    byte[] json = "{\"model\":\"gpt-5-mini\",\"stream\":true,\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
    byte[] option = "\"stream_options\":{\"include_usage\":true},".getBytes(StandardCharsets.UTF_8);
    com.openai.core.http.HttpRequestBody body = new com.openai.core.http.HttpRequestBody() {
      @Override
      public void writeTo(java.io.OutputStream out) {}

      @Override
      public String contentType() {
        return "application/json";
      }

      @Override
      public long contentLength() {
        return json.length;
      }

      @Override
      public boolean repeatable() {
        return true;
      }

      @Override
      public void close() {}
    };
    com.openai.core.http.HttpRequest request = com.openai.core.http.HttpRequest.builder()
        .method(com.openai.core.http.HttpMethod.POST).baseUrl("https://api.openai.com/v1")
        .addPathSegments("chat", "completions").putHeader("Authorization", "Bearer sk-test")
        .putHeader("X-Stainless-Lang", "java").putHeader("X-Stainless-Package-Version", "4.101.0")
        .putHeader("X-Stainless-OS", "Linux").putHeader("X-Stainless-Arch", "x64")
        .putHeader("X-Stainless-Runtime", "JRE").putHeader("X-Stainless-Runtime-Version", "17")
        .putHeader("X-Stainless-Retry-Count", "0").putHeader("X-Stainless-Timeout", "600")
        .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json").body(body).build();
    SdkHandles handles = SdkHandles.of(request);
    boolean builder = args.length > 0 && args[0].equals("builder");
    if (builder) {
      java.lang.reflect.Field copier = SdkHandles.class.getDeclaredField("copyWithBody");
      copier.setAccessible(true);
      copier.set(handles, null);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int n = 500_000;
    int kept = 0;
    for (int round = 0; round < 6; round++) {
      long cpu = threads.getCurrentThreadCpuTime();
      long bytes = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < n; i++) {
        kept += handles.withBody(request, body, json, 1, 1, option) != null ? 1 : 0;
      }
      System.out.printf("REWRITE %s round=%d threadCpuNsPerRequest=%d bytesPerRequest=%d%n",
          builder ? "builder" : "constructor", round, (threads.getCurrentThreadCpuTime() - cpu) / n,
          (threads.getCurrentThreadAllocatedBytes() - bytes) / n);
    }
    if (kept != 6 * n) {
      throw new IllegalStateException("a rewrite gave no request");
    }
  }
}
