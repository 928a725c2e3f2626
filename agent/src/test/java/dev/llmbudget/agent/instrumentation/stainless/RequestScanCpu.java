package dev.llmbudget.agent.instrumentation.stainless;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Not a test: the thread CPU and bytes of one {@link RequestScan} of the overhead benchmark's 144 KB
 * chat request, printed per round; thread CPU moves far less with the machine's load than a median.
 * Run with the benchmarks jar on the class path (for its prompt text), see BENCHMARKS.md.
 */
final class RequestScanCpu {

  private RequestScanCpu() {}

  public static void main(String[] args) throws Exception {
    String text = (String) Class.forName("dev.llmbudget.benchmarks.EnglishText").getMethod("ofBytes", int.class)
        .invoke(null, 144_000);
    byte[] body = ("{\"messages\":[{\"content\":" + new ObjectMapper().writeValueAsString(text)
        + ",\"role\":\"user\"}],\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":256}")
        .getBytes(StandardCharsets.UTF_8);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long bound = 0;
    for (int round = 0; round < 6; round++) {
      long cpu = threads.getCurrentThreadCpuTime();
      long bytes = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < n; i++) {
        bound = RequestScan.of(Endpoint.CHAT_COMPLETIONS, body).bound;
      }
      System.out.printf("SCAN round=%d body=%d bound=%d threadCpuNsPerScan=%d bytesPerScan=%d%n", round, body.length,
          bound, (threads.getCurrentThreadCpuTime() - cpu) / n, (threads.getCurrentThreadAllocatedBytes() - bytes) / n);
    }
  }
}
