package dev.llmbudget.benchmarks.process;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.llmbudget.BudgetContext;
import dev.llmbudget.testkit.FakeLlmServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The application the harness runs, with or without an agent: an openai-java client calling a
 * loopback server that answers at once, every call made as a bound user. {@code calls W N} times N
 * calls per case after W warm-up calls and prints one {@code CASE} line per case;
 * {@code startup} makes one call (the fake counting its prompt by bytes, without a tokenizer) and
 * prints the wall-clock moment its answer came back, its heap and peak RSS.
 */
public final class LlmCallerApp {

  static final String MODEL = "gpt-4o-mini";
  static final String USER = "bench-user";

  public static void main(String[] args) throws Exception {
    try (FakeLlmServer server = FakeLlmServer.start()) {
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(server.openAiBaseUrl())
          .apiKey("sk-test").maxRetries(0).build();
      if (args[0].equals("startup")) {
        // No tokenizer in the fake: o200k would add ~1 s of CPU to every variant alike.
        server.byteCountedUsage(10);
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        BudgetContext.call(USER, () -> blocking(client, params(Prompts.SHORT)));
        long firstCallCpu = threads.getCurrentThreadCpuTime() - cpu;
        // The moment the first answer is back, as wall-clock microseconds: the harness subtracts the
        // moment it launched the JVM, so this figure is start-up plus the first call and nothing
        // after it (not the forced GC below, whose length swings by 100 ms from run to run, nor the
        // exit).
        java.time.Instant answered = java.time.Instant.now();
        long answeredEpochUs = answered.getEpochSecond() * 1_000_000 + answered.getNano() / 1_000;
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.println("STARTUP heapAfterGcBytes=" + heap + " peakRssKb=" + peakRssKb()
            + " firstCallThreadCpuMs=" + firstCallCpu / 1_000_000 + " firstAnswerEpochUs=" + answeredEpochUs);
        if (args.length > 1 && args[1].equals("threads")) {
          printThreadCpu();
        }
      } else {
        int warmup = Integer.parseInt(args[1]);
        int calls = Integer.parseInt(args[2]);
        for (String prompt : new String[] {"short", "long"}) {
          ChatCompletionCreateParams p = params(prompt.equals("short") ? Prompts.SHORT : Prompts.LONG);
          int n = prompt.equals("short") ? calls : Math.max(50, calls / 10);
          measure(prompt + "-blocking", warmup, n, () -> blocking(client, p));
          measure(prompt + "-streaming", warmup, n, () -> streaming(client, p));
        }
      }
      client.close();
    }
    System.exit(0);
  }

  private interface Call {
    Object run() throws Exception;
  }

  private static void measure(String name, int warmup, int n, Call call) throws Exception {
    for (int i = 0; i < warmup; i++) {
      BudgetContext.call(USER, call::run);
    }
    long[] nanos = new long[n];
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocBefore = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      BudgetContext.call(USER, call::run);
      nanos[i] = System.nanoTime() - start;
    }
    long alloc = (threads.getCurrentThreadAllocatedBytes() - allocBefore) / n;
    Arrays.sort(nanos);
    System.out.printf("CASE %s n=%d medianNs=%d p99Ns=%d allocBytesPerCall=%d%n", name, n,
        nanos[n / 2], nanos[(int) Math.ceil(n * 0.99) - 1], alloc);
  }

  static ChatCompletionCreateParams params(String prompt) {
    return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(prompt)
        .maxCompletionTokens(256).build();
  }

  static Object blocking(OpenAIClient client, ChatCompletionCreateParams p) {
    return client.chat().completions().create(p);
  }

  static Object streaming(OpenAIClient client, ChatCompletionCreateParams p) {
    ChatCompletionCreateParams withUsage = p.toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(withUsage)) {
      return s.stream().count();
    }
  }

  /**
   * {@code startup threads}: the CPU each of the JVM's threads used so far, the JIT compilers' and
   * the GC's included (which ThreadMXBean does not show), from {@code /proc/self/task}: where an
   * agent's start-up CPU goes besides its own threads. One {@code THREAD <name> <ms>} line each,
   * threads of one name summed.
   */
  private static void printThreadCpu() throws java.io.IOException {
    long tick = 10; // ms per clock tick: USER_HZ is 100 on Linux
    java.util.Map<String, Long> byName = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (java.io.IOException gone) {
          continue;
        }
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[#0-9 ]+$", "");
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ms = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * tick;
        byName.merge(name.replace(' ', '_'), ms, Long::sum);
      }
    }
    byName.forEach((name, ms) -> System.out.println("THREAD " + name + " " + ms));
  }

  private static long peakRssKb() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
