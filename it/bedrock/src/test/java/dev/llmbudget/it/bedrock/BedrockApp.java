package dev.llmbudget.it.bedrock;

import dev.llmbudget.testkit.ChildApp;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ResponseStream;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;

/**
 * The application the ITs run in a child JVM with the agent attached, written against the API that
 * Bedrock Runtime 2.26 and the newest share: {@code BedrockApp <endpoint> <maxTokens> <step>...},
 * a step being {@code action[=modelId][@user]}; it prints one {@code STEP} line per step, then
 * what each user and the global budget spent.
 */
public final class BedrockApp {

  static final String PROMPT = "Say hello to the budget.";

  private final BedrockRuntimeClient blocking;
  private final BedrockRuntimeAsyncClient async;
  private final int maxTokens;
  private final URI endpoint;
  private final StaticCredentialsProvider credentials;

  private BedrockApp(String endpoint, int maxTokens) {
    StaticCredentialsProvider credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"));
    this.endpoint = URI.create(endpoint);
    this.credentials = credentials;
    this.blocking = BedrockRuntimeClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
        .credentialsProvider(credentials).build();
    // The loopback server speaks HTTP/1.1; newer clients would open Bedrock's event streams with HTTP/2.
    this.async = BedrockRuntimeAsyncClient.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1)
        .credentialsProvider(credentials)
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
        .build();
    this.maxTokens = maxTokens;
  }

  public static void main(String[] args) throws Exception {
    BedrockApp app = new BedrockApp(args[0], Integer.parseInt(args[1]));
    ChildApp.runSteps(app::runStep, Arrays.copyOfRange(args, 2, args.length));
    System.exit(0);
  }

  /** {@code action[=modelId]}. */
  private void runStep(String call) throws Exception {
    int eq = call.indexOf('=');
    run(eq < 0 ? call : call.substring(0, eq), eq < 0 ? "anthropic.claude-3-haiku-20240307-v1:0" : call.substring(eq + 1));
  }

  private void run(String action, String model) throws Exception {
    switch (action) {
      case "converse":
        blocking.converse(converse(model));
        break;
      case "aconverse":
        async.converse(converse(model)).get(60, TimeUnit.SECONDS);
        break;
      case "acancel":
        // Gives up on an async call after the (slow) server has it, as a caller with a deadline does.
        CompletableFuture<?> pending = async.converse(converse(model));
        Thread.sleep(1500);
        System.out.println("CANCELLED " + pending.cancel(true));
        break;
      case "stream":
        stream(model);
        break;
      case "early":
        streamEarly(model);
        break;
      case "invoke":
        blocking.invokeModel(InvokeModelRequest.builder().modelId(model).body(body(model)).build());
        break;
      case "invoke-garbled":
      case "invoke-unread": {
        // The caller gets a body that does not parse; "unread": without the token headers either.
        InvokeModelResponse answer = garbling(action.equals("invoke-unread"))
            .invokeModel(InvokeModelRequest.builder().modelId(model).body(body(model)).build());
        System.out.println("ANSWER " + action + " " + answer.body().asUtf8String());
        System.out.println("UNMETERED " + action + " " + dev.llmbudget.GlobalBudget.unmeteredCalls());
        break;
      }
      case "converse-image":
        printingRefusal(action, () -> blocking.converse(ConverseImage.request(model, inferenceConfig())));
        break;
      case "invoke-image":
        printingRefusal(action, () -> blocking.invokeModel(InvokeModelRequest.builder().modelId(model)
            .body(SdkBytes.fromString(imageBody(), StandardCharsets.UTF_8)).build()));
        break;
      case "ainvoke":
        async.invokeModel(InvokeModelRequest.builder().modelId(model).body(body(model)).build()).get(60, TimeUnit.SECONDS);
        break;
      case "istream":
        invokeStream(model, false);
        break;
      case "iearly":
        invokeStream(model, true);
        break;
      default:
        throw new IllegalArgumentException(action);
    }
  }

  static final String UNREADABLE = "{\"content\": [";

  /**
   * A blocking client whose InvokeModel answers an interceptor turns into {@link #UNREADABLE};
   * {@code dropCounts}: without the token-count headers Bedrock adds to them.
   */
  private BedrockRuntimeClient garbling(boolean dropCounts) {
    ExecutionInterceptor garble = new ExecutionInterceptor() {
      @Override
      public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        return dropCounts ? context.httpResponse().toBuilder().removeHeader("X-Amzn-Bedrock-Input-Token-Count")
            .removeHeader("X-Amzn-Bedrock-Output-Token-Count").build() : context.httpResponse();
      }

      @Override
      public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
        if (!(context.response() instanceof InvokeModelResponse)) {
          return context.response();
        }
        return ((InvokeModelResponse) context.response()).toBuilder().body(SdkBytes.fromUtf8String(UNREADABLE)).build();
      }
    };
    return BedrockRuntimeClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
        .credentialsProvider(credentials).overrideConfiguration(c -> c.addExecutionInterceptor(garble)).build();
  }

  /** {@code maxTokens} 0: no inference config, so no output cap at all, as most application code sends. */
  private InferenceConfiguration inferenceConfig() {
    return maxTokens > 0 ? InferenceConfiguration.builder().maxTokens(maxTokens).build() : null;
  }

  private ConverseRequest converse(String model) {
    return ConverseRequest.builder().modelId(model)
        .system(SystemContentBlock.builder().text("You are terse.").build())
        .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(PROMPT)).build())
        .inferenceConfig(inferenceConfig())
        .build();
  }

  private void stream(String model) throws Exception {
    StringBuilder text = new StringBuilder();
    ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
        .subscriber(ConverseStreamResponseHandler.Visitor.builder()
            .onContentBlockDelta(e -> text.append(e.delta().text())).build())
        .build();
    async.converseStream(streamRequest(model), handler).get(60, TimeUnit.SECONDS);
    if (text.length() == 0) {
      throw new IllegalStateException("the stream brought no text");
    }
  }

  private ConverseStreamRequest streamRequest(String model) {
    return ConverseStreamRequest.builder().modelId(model)
        .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(PROMPT)).build())
        .inferenceConfig(inferenceConfig())
        .build();
  }

  /** Reads events up to the first text delta, then cancels the subscription. */
  private void streamEarly(String model) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
        .onEventStream(publisher -> publisher.subscribe(new CancelAfter<ConverseStreamOutput>(
            e -> e instanceof ContentBlockDeltaEvent, done, failure)))
        .onError(failure::set)
        .build();
    CompletableFuture<Void> future = async.converseStream(streamRequest(model), handler);
    awaitCancelled(future, done, failure);
  }

  private void invokeStream(String model, boolean early) throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    StringBuilder chunks = new StringBuilder();
    InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler.builder()
        .onEventStream(publisher -> publisher.subscribe(new CancelAfter<ResponseStream>(e -> {
          chunks.append(e);
          return early;
        }, done, failure)))
        .onError(failure::set)
        .build();
    CompletableFuture<Void> future = async.invokeModelWithResponseStream(
        InvokeModelWithResponseStreamRequest.builder().modelId(model).body(body(model)).build(), handler);
    if (early) {
      awaitCancelled(future, done, failure);
    } else {
      future.get(60, TimeUnit.SECONDS);
      if (chunks.length() == 0) {
        throw new IllegalStateException("the stream brought no chunk");
      }
    }
  }

  /** After a cancel the SDK may or may not complete the future; the call is over for the caller either way. */
  private static void awaitCancelled(CompletableFuture<Void> future, CountDownLatch done,
      AtomicReference<Throwable> failure) throws Exception {
    if (!done.await(60, TimeUnit.SECONDS) && failure.get() == null) {
      future.get(1, TimeUnit.SECONDS);
    }
    if (failure.get() != null) {
      throw new ExecutionException(failure.get());
    }
  }

  /** The model family's own request JSON, as its Bedrock documentation shows it. */
  private SdkBytes body(String model) {
    String json;
    if (model.contains("anthropic.")) {
      json = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":" + maxTokens
          + ",\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    } else if (model.contains("amazon.nova")) {
      json = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"" + PROMPT + "\"}]}],"
          + "\"inferenceConfig\":{\"max_new_tokens\":" + maxTokens + "}}";
    } else if (model.contains("amazon.titan")) {
      json = "{\"inputText\":\"" + PROMPT + "\",\"textGenerationConfig\":{\"maxTokenCount\":" + maxTokens + "}}";
    } else if (model.contains("meta.llama")) {
      json = "{\"prompt\":\"" + PROMPT + "\",\"max_gen_len\":" + maxTokens + "}";
    } else {
      json = "{\"prompt\":\"<s>[INST] " + PROMPT + " [/INST]\",\"max_tokens\":" + maxTokens + "}";
    }
    return SdkBytes.fromString(json, StandardCharsets.UTF_8);
  }

  static final String PNG_BASE64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

  /** An Anthropic InvokeModel body with a text block and a base64 PNG image block. */
  private String imageBody() {
    return "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":" + maxTokens
        + ",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is in this picture?\"},"
        + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" + PNG_BASE64
        + "\"}}]}]}";
  }

  /**
   * A Converse request with a text block and a PNG image block. A class of its own, so a JVM that
   * never sends it never links the image types.
   */
  private static final class ConverseImage {
    static ConverseRequest request(String model, InferenceConfiguration config) {
      return ConverseRequest.builder().modelId(model).messages(Message.builder().role(ConversationRole.USER)
          .content(ContentBlock.fromText("What is in this picture?"),
              ContentBlock.fromImage(software.amazon.awssdk.services.bedrockruntime.model.ImageBlock.builder()
                  .format(software.amazon.awssdk.services.bedrockruntime.model.ImageFormat.PNG)
                  .source(software.amazon.awssdk.services.bedrockruntime.model.ImageSource.fromBytes(
                      SdkBytes.fromByteArray(java.util.Base64.getDecoder().decode(PNG_BASE64))))
                  .build()))
          .build()).inferenceConfig(config).build();
    }
  }

  /** Runs {@code call}; when it is refused, first prints {@code REFUSAL <action> <message>}, the message the caller reads. */
  private static void printingRefusal(String action, ChildApp.Call call) throws Exception {
    try {
      call.run();
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof dev.llmbudget.BudgetExceededError) {
          System.out.println("REFUSAL " + action + " " + c.getMessage());
        }
      }
      throw e;
    }
  }

  /** Requests one event at a time and cancels after the first that {@code stop} accepts. */
  private static final class CancelAfter<T> implements Subscriber<T> {
    private final java.util.function.Predicate<T> stop;
    private final CountDownLatch done;
    private final AtomicReference<Throwable> failure;
    private Subscription subscription;

    CancelAfter(java.util.function.Predicate<T> stop, CountDownLatch done, AtomicReference<Throwable> failure) {
      this.stop = stop;
      this.done = done;
      this.failure = failure;
    }

    @Override
    public void onSubscribe(Subscription s) {
      subscription = s;
      s.request(1);
    }

    @Override
    public void onNext(T event) {
      if (stop.test(event)) {
        subscription.cancel();
        done.countDown();
      } else {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      failure.compareAndSet(null, t);
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }
  }
}
