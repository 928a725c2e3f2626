package dev.llmbudget.agent.instrumentation.meter;

import java.lang.management.ManagementFactory;

/**
 * Not a test: the thread CPU and bytes of filtering the usage chunk out of {@link
 * UsageChunkFilterTest}'s six-event stream, given one event a read as a provider flushes them,
 * printed per round; thread CPU moves far less with the machine's load than a median. With a
 * second argument {@code raw}, the same stream read without the filter. See BENCHMARKS.md.
 */
final class UsageChunkFilterCpu {

  private UsageChunkFilterCpu() {}

  public static void main(String[] args) throws Exception {
    String[] events = UsageChunkFilterTest.eventsForBenchmark();
    byte[] body = String.join("", events).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    int[] ends = UsageChunkFilterTest.eventEnds(events);
    byte[] sink = new byte[8192];
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    // "raw": the source read without the filter, the floor of what is measured
    boolean raw = args.length > 1 && args[1].equals("raw");
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (int round = 0; round < 6; round++) {
      long cpu = threads.getCurrentThreadCpuTime();
      long bytes = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < n; i++) {
        java.io.InputStream source = UsageChunkFilterTest.cutAt(body, ends);
        java.io.InputStream in = raw ? source : new UsageChunkFilter(source);
        for (int r; (r = in.read(sink, 0, sink.length)) >= 0; ) {
          total += r;
        }
      }
      System.out.printf("FILTER round=%d stream=%d passed=%d threadCpuNsPerStream=%d bytesPerStream=%d%n", round,
          body.length, total / n / (round + 1), (threads.getCurrentThreadCpuTime() - cpu) / n,
          (threads.getCurrentThreadAllocatedBytes() - bytes) / n);
    }
  }
}
