package dev.llmbudget.agent.instrumentation.stainless;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.okhttp.OkHttpClient;
import com.openai.core.RequestOptions;
import com.openai.core.http.HttpClient;
import com.openai.core.http.HttpMethod;
import com.openai.core.http.HttpRequest;
import com.openai.core.http.HttpRequestBody;
import com.openai.core.http.HttpResponse;
import com.openai.core.http.RetryingHttpClient;
import dev.llmbudget.GlobalBudget;
import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.anthropic.AnthropicInstrumentation;
import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import dev.llmbudget.agent.internal.AdviceWeaver;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.modifier.Ownership;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.implementation.MethodCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server that rejects unknown fields (Azure OpenAI before api-version 2024-09-01-preview, Mistral)
 * answers the {@code stream_options} the agent adds with 400: the app's own request is then sent
 * once more without them, through a client woven as the agent weaves openai-java's
 * {@code RetryingHttpClient} (by {@link StainlessWeaver}, and by the Byte Buddy advice it falls
 * back to), over real HTTP to a loopback server. The app gets that stream, charged an estimate by
 * the call's one reservation; the host is remembered and not asked again.
 */
class RejectedStreamOptionsTest {

  private static final String MODEL = "gpt-5-mini";
  /** What the fake reports when asked: far above what an estimate of the visible text comes to. */
  private static final BigDecimal REPORTED = price(new Usage(MODEL, 20, 500, 0, 0, 0, 450, false));

  private FakeLlmServer server;
  private HttpClient sdkClient;

  @BeforeEach
  void start() throws Exception {
    HttpSeam.register(List.of(OpenAiInstrumentation.SDK, AnthropicInstrumentation.SDK));
    // The engine is made once per JVM: a limit high enough that no other test's spend reaches it.
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "10"));
    server = FakeLlmServer.start().rejectStreamOptions(400);
    server.usage(20, 500).reasoning(450);
    sdkClient = RetryingHttpClient.builder().httpClient(OkHttpClient.builder().build()).maxRetries(0).build();
  }

  @AfterEach
  void stop() {
    sdkClient.close();
    server.close();
    BudgetRuntime.configure(Map.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"asm", "advice"})
  void aRejectedStreamIsSentAgainWithoutTheOptionOnceAndTheHostIsNotAskedAgain(String weaver) throws Exception {
    Client client = wovenClient(weaver);
    BigDecimal before = GlobalBudget.currentCost();

    String first = client.execute(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'messages':[{'role':'user','content':'Say hello.'}]}"));

    assertThat(first).contains("Hello").contains("[DONE]");
    assertThat(server.requests("/v1/chat/completions")).as("the rejected request and the app's own").isEqualTo(2);
    assertThat(server.streamOptionsRejected()).isEqualTo(1);
    BigDecimal spent = GlobalBudget.currentCost().subtract(before);
    assertThat(spent).as("an estimate, the rejected answer free").isPositive().isLessThan(REPORTED);
    assertThat(GlobalBudget.snapshot().reserved()).isZero();

    // The host rejected the option: the next stream to it goes out as the app made it, once.
    String second = client.execute(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'messages':[{'role':'user','content':'Say hello.'}]}"));
    assertThat(second).contains("Hello");
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(3);
    assertThat(server.streamOptionsRejected()).isEqualTo(1);
    assertThat(GlobalBudget.currentCost()).isEqualByComparingTo(before.add(spent).add(spent));
    assertThat(GlobalBudget.snapshot().reserved()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"asm", "advice"})
  void anAsyncRejectedStreamIsSentAgainToo(String weaver) throws Exception {
    Client client = wovenClient(weaver);
    BigDecimal before = GlobalBudget.currentCost();

    String body = client.executeAsync(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'messages':[{'role':'user','content':'Say hello.'}]}"));

    assertThat(body).contains("Hello").contains("[DONE]");
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(2);
    assertThat(server.streamOptionsRejected()).isEqualTo(1);
    assertThat(GlobalBudget.currentCost().subtract(before)).isPositive().isLessThan(REPORTED);
    assertThat(GlobalBudget.snapshot().reserved()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"asm", "advice"})
  void aMistralStyle422IsSentAgainToo(String weaver) throws Exception {
    server.rejectStreamOptions(422);
    Client client = wovenClient(weaver);
    BigDecimal before = GlobalBudget.currentCost();

    String body = client.execute(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'messages':[{'role':'user','content':'Say hello.'}]}"));

    assertThat(body).contains("Hello").contains("[DONE]");
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(2);
    assertThat(server.streamOptionsRejected()).isEqualTo(1);
    assertThat(GlobalBudget.currentCost().subtract(before)).isPositive().isLessThan(REPORTED);
    assertThat(GlobalBudget.snapshot().reserved()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"asm", "advice"})
  void aRejectionOfARequestTheAgentDidNotTouchIsTheAppsAndNotSentAgain(String weaver) throws Exception {
    Client client = wovenClient(weaver);
    BigDecimal before = GlobalBudget.currentCost();

    // The app asked for the usage itself: the agent sent its bytes as they were.
    HttpResponse response = client.raw(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'stream_options':{'include_usage':true},'messages':[{'role':'user','content':'Say hello.'}]}"));
    String body;
    try (response) {
      assertThat(response.statusCode()).isEqualTo(400);
      body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
    }

    assertThat(body).contains("Unrecognized request argument supplied: stream_options");
    assertThat(server.requests("/v1/chat/completions")).isEqualTo(1);
    assertThat(GlobalBudget.currentCost()).as("the error is free").isEqualByComparingTo(before);
    assertThat(GlobalBudget.snapshot().reserved()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"asm", "advice"})
  void aHostThatTookTheOptionIsNotSentARequestTwiceForIt(String weaver) throws Exception {
    Client client = wovenClient(weaver);
    server.rejectStreamOptions(0);
    assertThat(client.execute(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'messages':[{'role':'user','content':'Say hello.'}]}"))).contains("Hello");
    BigDecimal before = GlobalBudget.currentCost();

    // The same host now answers 400 (a gateway's rule, a bad parameter): not the option's fault.
    server.rejectStreamOptions(400);
    HttpResponse response = client.raw(streamRequest("{'model':'gpt-5-mini','stream':true,"
        + "'messages':[{'role':'user','content':'Say hello.'}]}"));
    try (response) {
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(new String(response.body().readAllBytes(), StandardCharsets.UTF_8))
          .contains("Unrecognized request argument supplied: stream_options");
    }

    assertThat(server.requests("/v1/chat/completions")).isEqualTo(2);
    assertThat(GlobalBudget.currentCost()).as("the error is free").isEqualByComparingTo(before);
    assertThat(GlobalBudget.snapshot().reserved()).isZero();
  }

  private HttpRequest streamRequest(String json) {
    byte[] bytes = json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    return HttpRequest.builder().method(HttpMethod.POST).baseUrl(server.openAiBaseUrl())
        .addPathSegments("chat", "completions").body(new JsonBody(bytes)).build();
  }

  /** An openai-java request body as the SDK's own JSON bodies are: repeatable. */
  private static final class JsonBody implements HttpRequestBody {
    private final byte[] bytes;

    JsonBody(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public void writeTo(OutputStream out) {
      try {
        out.write(bytes);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public String contentType() {
      return "application/json";
    }

    @Override
    public long contentLength() {
      return bytes.length;
    }

    @Override
    public boolean repeatable() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** A woven client class's instance, as the app's SDK calls it. */
  private static final class Client {
    private final Object target;
    private final java.lang.reflect.Method execute;
    private final java.lang.reflect.Method executeAsync;

    Client(Class<?> type) throws Exception {
      target = type.getConstructor().newInstance();
      execute = type.getMethod("execute", HttpRequest.class, RequestOptions.class);
      executeAsync = type.getMethod("executeAsync", HttpRequest.class, RequestOptions.class);
    }

    HttpResponse raw(HttpRequest request) throws Exception {
      return (HttpResponse) execute.invoke(target, request, RequestOptions.Companion.none());
    }

    String execute(HttpRequest request) throws Exception {
      try (HttpResponse response = raw(request)) {
        assertThat(response.statusCode()).isEqualTo(200);
        return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    @SuppressWarnings("unchecked")
    String executeAsync(HttpRequest request) throws Exception {
      CompletableFuture<HttpResponse> future =
          (CompletableFuture<HttpResponse>) executeAsync.invoke(target, request, RequestOptions.Companion.none());
      try (HttpResponse response = future.get(30, TimeUnit.SECONDS)) {
        assertThat(response.statusCode()).isEqualTo(200);
        return new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
      }
    }
  }

  /**
   * A client class with {@code RetryingHttpClient}'s two methods, each handing its arguments to
   * this test's real {@code RetryingHttpClient}, woven by {@code weaver} and loaded apart.
   */
  private Client wovenClient(String weaver) throws Exception {
    String name = "com.example.llm.WovenClient";
    byte[] plain = new ByteBuddy().subclass(Object.class).name(name)
        .defineField("delegate", HttpClient.class, Visibility.PUBLIC, Ownership.STATIC)
        .defineMethod("execute", HttpResponse.class, Visibility.PUBLIC)
        .withParameters(HttpRequest.class, RequestOptions.class)
        .intercept(MethodCall.invoke(HttpClient.class.getMethod("execute", HttpRequest.class, RequestOptions.class))
            .onField("delegate").withAllArguments())
        .defineMethod("executeAsync", CompletableFuture.class, Visibility.PUBLIC)
        .withParameters(HttpRequest.class, RequestOptions.class)
        .intercept(MethodCall.invoke(HttpClient.class.getMethod("executeAsync", HttpRequest.class, RequestOptions.class))
            .onField("delegate").withAllArguments())
        .make().getBytes();
    ClassLoader parent = getClass().getClassLoader();
    UnaryOperator<byte[]> weave = weaver.equals("asm") ? StainlessWeaver::weave
        : bytes -> AdviceWeaver.weave(name, parent, bytes, new AsmVisitorWrapper.Compound(
            Advice.to(RetryingHttpClientAdvice.Execute.class, AdviceWeaver.AGENT_CLASSES)
                .on(named("execute").and(takesArguments(2))),
            Advice.to(RetryingHttpClientAdvice.ExecuteAsync.class, AdviceWeaver.AGENT_CLASSES)
                .on(named("executeAsync").and(takesArguments(2)))));
    byte[] woven = weave.apply(plain);
    assertThat(woven).isNotNull();
    Map<String, byte[]> classes = new HashMap<>(Map.of(name, woven));
    Class<?> type = new ClassLoader(parent) {
      @Override
      protected Class<?> findClass(String n) throws ClassNotFoundException {
        byte[] b = classes.get(n);
        if (b == null) {
          throw new ClassNotFoundException(n);
        }
        return defineClass(n, b, 0, b.length);
      }
    }.loadClass(name);
    type.getField("delegate").set(null, sdkClient);
    return new Client(type);
  }
}
