package dev.llmbudget.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * The calls of {@link AgentOverheadBenchmark}, timed by the calling thread's CPU instead of the
 * wall clock: OkHttp's synchronous call runs the request, the response and all of the agent's work
 * on that thread, so its CPU per call is what the agent adds, and it moves far less than a median
 * when other processes share the cores ({@code recorded} cases take the socket out as well, see
 * {@link RecordedLlm}). {@code CallCpuDriver CASE WARMUP CALLS ROUNDS} prints one
 * {@code CPU} line per round; run it with and without {@code -javaagent} and compare.
 */
public final class CallCpuDriver {

  private CallCpuDriver() {}

  private interface Call {
    Object run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    String name = args[0];
    int warmup = Integer.parseInt(args[1]);
    int calls = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    AgentOverheadBenchmark bench = new AgentOverheadBenchmark() {
      @Override
      void checkAttachment() {}
    };
    if (name.startsWith("recorded")) {
      bench.transport = "recorded";
      name = Character.toLowerCase(name.charAt("recorded".length())) + name.substring("recorded".length() + 1);
    }
    bench.start();
    Call call;
    switch (name) {
      case "blockingShort":
        call = bench::blockingShort;
        break;
      case "blockingLong":
        call = bench::blockingLong;
        break;
      case "streamingShort":
        call = bench::streamingShort;
        break;
      case "streamingShortNoUsage":
        call = bench::streamingShortNoUsage;
        break;
      default:
        throw new IllegalArgumentException("a case is blockingShort, blockingLong, streamingShort or streamingShortNoUsage, or one of "
            + "them prefixed with recorded (recordedStreamingShort: the answers from memory, no socket): " + name);
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    for (int i = 0; i < warmup; i++) {
      call.run();
    }
    for (int r = 0; r < rounds; r++) {
      long[] nanos = new long[calls];
      long alloc = threads.getCurrentThreadAllocatedBytes();
      long cpu = threads.getCurrentThreadCpuTime();
      for (int i = 0; i < calls; i++) {
        long start = System.nanoTime();
        call.run();
        nanos[i] = System.nanoTime() - start;
      }
      long cpuPerCall = (threads.getCurrentThreadCpuTime() - cpu) / calls;
      long allocPerCall = (threads.getCurrentThreadAllocatedBytes() - alloc) / calls;
      Arrays.sort(nanos);
      System.out.printf("CPU %s round=%d n=%d threadCpuNsPerCall=%d medianNs=%d allocBytesPerCall=%d%n",
          name, r, calls, cpuPerCall, nanos[calls / 2], allocPerCall);
    }
    bench.stop();
    System.exit(0);
  }
}
