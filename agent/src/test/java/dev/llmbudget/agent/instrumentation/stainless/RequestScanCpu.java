package dev.llmbudget.agent.instrumentation.stainless;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;

/**
 * Not a test: the thread CPU and bytes of one {@link RequestScan} of the overhead benchmark's 144 KB
 * chat request, printed per round; thread CPU moves far less with the machine's load than a median.
 * With a second argument {@code image}, a body of about the same size whose bulk is a base64 image.
 * Run with the benchmarks jar on the class path (for its prompt text), see BENCHMARKS.md.
 */
final class RequestScanCpu {

  private RequestScanCpu() {}

  public static void main(String[] args) throws Exception {
    String text = (String) Class.forName("dev.llmbudget.benchmarks.EnglishText").getMethod("ofBytes", int.class)
        .invoke(null, 144_000);
    // "image": the same size of body, its text replaced by a short part and a base64 image part
    boolean image = args.length > 1 && args[1].equals("image");
    byte[] pixels = new byte[108_000];
    new java.util.Random(7).nextBytes(pixels);
    String content = image ? "[{\"type\":\"text\",\"text\":\"Describe\"},{\"type\":\"image_url\",\"image_url\":"
        + "{\"url\":\"data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(pixels)
        + "\",\"detail\":\"high\"}}]" : new ObjectMapper().writeValueAsString(text);
    byte[] body = ("{\"messages\":[{\"content\":" + content
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
