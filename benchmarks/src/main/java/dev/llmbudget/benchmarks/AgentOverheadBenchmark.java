package dev.llmbudget.benchmarks;

import com.openai.client.OpenAIClient;
import com.openai.client.OpenAIClientImpl;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ClientOptions;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.llmbudget.BudgetContext;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One chat completion through the real openai-java client against the testkit's loopback server,
 * which answers at once, or from that server's answers replayed in memory ({@link #transport}), as
 * a bound user. The two subclasses differ only in their fork's JVM
 * options, with and without the agent: JMH cannot choose a fork's options from a {@code @Param},
 * so the agent's overhead is the score of {@link AgentOverheadWithAgentBenchmark} minus that of
 * {@link AgentOverheadNoAgentBenchmark}, method by method.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public abstract class AgentOverheadBenchmark {

  static final String MODEL = "gpt-4o-mini";
  static final String USER = "bench-user";
  /** ~200 tokens (o200k_base) of English prose, at about 4.8 bytes a token. */
  static final String SHORT_PROMPT = EnglishText.ofBytes(960);
  /** ~30,000 tokens. */
  static final String LONG_PROMPT = EnglishText.ofBytes(144_000);

  /**
   * {@code loopback}: the SDK's OkHttp transport to the testkit's server; {@code recorded}: the
   * server's answers replayed from memory ({@link RecordedLlm}), so that what the agent adds is not
   * lost in the socket's jitter, which moves a fork's median by tens of µs.
   */
  @Param({"loopback", "recorded"})
  public String transport = "loopback";

  private FakeLlmServer server;
  private OpenAIClient client;
  private ChatCompletionCreateParams shortParams;
  private ChatCompletionCreateParams longParams;
  private ChatCompletionCreateParams shortStreamingParams;

  @Setup
  public void start() throws Exception {
    // usage by byte count, not by tokenizing every prompt in this process: that CPU and allocation would
    // land in both forks and bury the agent's share in noise
    server = FakeLlmServer.start().byteCountedUsage(20);
    // Nagle off on the client's socket, in both forks: see NoDelaySockets
    if ("recorded".equals(transport)) {
      client = new OpenAIClientImpl(ClientOptions.builder().httpClient(RecordedLlm.record(server, MODEL))
          .baseUrl(server.openAiBaseUrl()).apiKey("sk-test").maxRetries(0).build());
    } else {
      client = OpenAIOkHttpClient.builder().baseUrl(server.openAiBaseUrl()).apiKey("sk-test")
          .okHttpClient(new okhttp3.OkHttpClient.Builder().socketFactory(new NoDelaySockets()).build())
          .maxRetries(0).build();
    }
    shortParams = params(SHORT_PROMPT);
    longParams = params(LONG_PROMPT);
    shortStreamingParams = shortParams.toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    BudgetContext.call(USER, () -> client.chat().completions().create(shortParams));
    checkAttachment();
  }

  /** Fails the fork unless the agent is attached (or not) as the subclass's name says. */
  abstract void checkAttachment() throws Exception;

  @TearDown
  public void stop() throws IOException {
    client.close();
    server.close();
  }

  @Benchmark
  public ChatCompletion blockingShort() throws Exception {
    return BudgetContext.call(USER, () -> client.chat().completions().create(shortParams));
  }

  @Benchmark
  public ChatCompletion blockingLong() throws Exception {
    return BudgetContext.call(USER, () -> client.chat().completions().create(longParams));
  }

  @Benchmark
  public long streamingShort() throws Exception {
    return BudgetContext.call(USER, () -> {
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(shortStreamingParams)) {
        return s.stream().count();
      }
    });
  }

  /**
   * As {@link #streamingShort}, without stream options, as most apps stream: with the agent the
   * request goes out asking for the usage and the usage chunk is filtered out of what the SDK reads.
   */
  @Benchmark
  public long streamingShortNoUsage() throws Exception {
    return BudgetContext.call(USER, () -> {
      try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(shortParams)) {
        return s.stream().count();
      }
    });
  }

  private static ChatCompletionCreateParams params(String prompt) {
    return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage(prompt)
        .maxCompletionTokens(256).build();
  }
}
