package dev.llmbudget.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI- and Anthropic-compatible server on 127.0.0.1 that answers chat completions, the
 * Responses API, embeddings and Anthropic messages (JSON and server-sent events), plus the provider
 * APIs registered in {@code apis} (Gemini, Azure OpenAI, AWS Bedrock Runtime: one {@link FakeApi} each), with a fixed,
 * configurable usage, and counts the requests it receives per path.
 */
public final class FakeLlmServer implements AutoCloseable {

  /** The model a stored prompt (a Responses call's {@code prompt.id} without a {@code model}) answers with. */
  public static final String STORED_PROMPT_MODEL = "gpt-4o-mini";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final AtomicInteger failNext = new AtomicInteger();
  private volatile int rejectStreamOptions;
  private final AtomicInteger streamOptionsRejected = new AtomicInteger();
  private final AtomicLong ids = new AtomicLong();
  /** Provider APIs beyond OpenAI and Anthropic, each in its own class; the first that takes a path answers it. */
  private final List<FakeApi> apis = List.of(new GeminiApi(this), new AzureOpenAiApi(this), new BedrockApi(this));
  /** Reported input tokens; {@link #COUNTED}: the prompt each request sends, counted. */
  private volatile long inputTokens = COUNTED;
  private volatile long outputTokens = 10;
  /** The usage of the request this handler thread answers: what the per-API classes report. */
  private final ThreadLocal<Bill> answering = new ThreadLocal<>();
  private final java.util.Queue<Bill> bills = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile long cachedTokens;
  private volatile long cacheCreationTokens;
  private volatile long reasoningTokens;
  private volatile long audioInputTokens;
  private volatile long audioOutputTokens;
  /** The OpenAI {@code service_tier} answers name; {@code default} unless a test sets another. */
  private volatile String serviceTier = "default";
  private volatile String reply = "Hello from the fake LLM server.";
  private volatile int chunks = 4;
  /** How long each answer waits after its request was received and counted; 0 for none. */
  private volatile long answerDelayMillis;
  private final AtomicInteger inFlight = new AtomicInteger();

  private FakeLlmServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    executor = Executors.newFixedThreadPool(32, r -> {
      Thread t = new Thread(r, "fake-llm");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  /** Starts a server on a free loopback port. */
  public static FakeLlmServer start() throws IOException {
    // The JDK's HttpServer leaves Nagle's algorithm on unless told otherwise: every small answer
    // then waits ~40 ms for a delayed ACK, which would swamp any latency measured through it.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    FakeLlmServer s = new FakeLlmServer();
    s.server.start();
    return s;
  }

  /** Runs a server until the process is stopped; prints its base URL. */
  public static void main(String[] args) throws Exception {
    FakeLlmServer s = start();
    System.out.println(s.baseUrl());
    Thread.currentThread().join();
  }

  /** E.g. {@code http://127.0.0.1:43121}; OpenAI clients use {@link #openAiBaseUrl()}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The base URL with {@code /v1}, as openai-java expects it. */
  public String openAiBaseUrl() {
    return baseUrl() + "/v1";
  }

  private static final long COUNTED = -1;

  /**
   * Usage of every answer: plain input (cached and cache-creation tokens come on top), output
   * (reasoning is part of it). Like a real provider, an answer never has more output tokens than
   * its request's cap allows.
   */
  public FakeLlmServer usage(long input, long output) {
    this.inputTokens = input;
    this.outputTokens = output;
    return this;
  }

  /**
   * Answers as a real provider would: the input tokens are the prompt each request sent, counted
   * (see {@link #countPrompt}), and the output is {@code output} or the request's cap, whichever is
   * less. This is the default, with 10 output tokens.
   */
  public FakeLlmServer countedUsage(long output) {
    return usage(COUNTED, output);
  }

  private static final long BYTE_COUNTED = -2;

  /**
   * Like {@link #countedUsage}, but the input tokens are the prompt's bytes divided by four, not a
   * tokenizer's count: for start-up benchmarks, where loading and running a tokenizer in the fake
   * (~1 s of CPU for o200k) would add the same large amount to every run and hide the difference.
   */
  public FakeLlmServer byteCountedUsage(long output) {
    return usage(BYTE_COUNTED, output);
  }

  /**
   * What the server billed one request: the cap the request allowed (0: none; {@code capField}
   * names where it was, e.g. {@code max_completion_tokens} or {@code inferenceConfig.maxTokens}),
   * the input tokens it reported and the output tokens it answered with.
   */
  public record Bill(String path, String model, String capField, long cap, long input, long output) {}

  /** Every request answered since the last {@link #resetCounts()}, in arrival order. */
  public List<Bill> bills() {
    return List.copyOf(bills);
  }

  /**
   * The prompt tokens of a request body, as the fake's tokenizer ({@code cl100k_base}, or the OpenAI
   * model's own) counts them: every text under {@code content}, {@code text}, {@code input}, {@code
   * prompt}, {@code instructions}, {@code system} and {@code inputText}, plus 3 per message and 3
   * for the reply. For an OpenAI chat request that is OpenAI's own count.
   */
  public static long countPrompt(String model, JsonNode body) {
    try {
      return Tokenizer.count(model, body);
    } catch (LinkageError noCore) {
      // A JVM without llm-budget-core (a benchmark's baseline run).
      return countPromptBytes(body);
    }
  }

  /** The prompt tokens of a request body at about 4 bytes a token, with no tokenizer. */
  static long countPromptBytes(JsonNode body) {
    long[] tokens = {3 + 3L * (body.path("messages").size() + body.path("contents").size())};
    countText(text -> (text.getBytes(StandardCharsets.UTF_8).length + 3) / 4, null, body, tokens);
    return tokens[0];
  }

  /** Counting with core's tokenizer, in its own class so that a JVM without core never links it. */
  private static final class Tokenizer {
    static long count(String model, JsonNode body) {
      dev.llmbudget.tokens.TokenCounter counter = dev.llmbudget.tokens.TokenCounter.forModel(model);
      JsonNode messages = body.path("messages");
      if (messages.isArray() && !body.has("system") && counter.exact()) {
        try {
          return counter.countMessages(messages);
        } catch (IllegalArgumentException notChat) {
          // counted below
        }
      }
      long[] tokens = {3 + 3L * (body.path("messages").size() + body.path("contents").size())};
      countText(counter::count, null, body, tokens);
      return tokens[0];
    }
  }

  private static void countText(java.util.function.ToLongFunction<String> counter, String field, JsonNode node,
      long[] tokens) {
    if (node.isTextual()) {
      if (field != null && PROMPT_FIELDS.contains(field)) {
        tokens[0] += counter.applyAsLong(node.textValue());
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        countText(counter, field, item, tokens);
      }
    } else if (node.isObject()) {
      node.properties().forEach(e -> countText(counter, e.getKey(), e.getValue(), tokens));
    }
  }

  private static final java.util.Set<String> PROMPT_FIELDS =
      java.util.Set.of("content", "text", "input", "prompt", "instructions", "system", "inputText");

  /** The output cap a request body sets, and where: {@code {field, value}}, or {@code null} for none. */
  static Object[] cap(JsonNode body) {
    for (String field : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens",
        "max_tokens_to_sample", "max_gen_len"}) {
      if (body.path(field).isNumber()) {
        return new Object[] {field, body.path(field).asLong()};
      }
    }
    if (body.path("inferenceConfig").path("maxTokens").isNumber()) {
      return new Object[] {"inferenceConfig.maxTokens", body.path("inferenceConfig").path("maxTokens").asLong()};
    }
    if (body.path("generationConfig").path("maxOutputTokens").isNumber()) {
      return new Object[] {"generationConfig.maxOutputTokens",
          body.path("generationConfig").path("maxOutputTokens").asLong()};
    }
    if (body.path("textGenerationConfig").path("maxTokenCount").isNumber()) {
      return new Object[] {"textGenerationConfig.maxTokenCount",
          body.path("textGenerationConfig").path("maxTokenCount").asLong()};
    }
    return null;
  }

  /** What this request is billed: the configured usage, made consistent with what it sent. */
  private Bill bill(String path, JsonNode body) {
    String model = body.path("model").asText(null);
    if (model == null) {
      // Gemini, Azure and Bedrock name the model (or deployment) in the path.
      String[] parts = path.split("/");
      for (int i = 0; i + 1 < parts.length; i++) {
        if (parts[i].equals("models") || parts[i].equals("model") || parts[i].equals("deployments")) {
          model = parts[i + 1].split(":")[0];
        }
      }
    }
    if (path.contains("/openai/deployments/") && azure().model() != null) {
      // Azure's tokenizer is that of the model behind the deployment.
      model = azure().model();
    }
    Object[] cap = cap(body);
    long limit = cap == null ? Long.MAX_VALUE : (Long) cap[1];
    long configured = inputTokens;
    long input = configured == COUNTED ? countPrompt(model, body)
        : configured == BYTE_COUNTED ? countPromptBytes(body) : configured;
    return new Bill(path, model, cap == null ? null : (String) cap[0], cap == null ? 0 : limit, input,
        Math.min(outputTokens, limit));
  }

  public FakeLlmServer cache(long cachedRead, long cacheCreation) {
    this.cachedTokens = cachedRead;
    this.cacheCreationTokens = cacheCreation;
    return this;
  }

  public FakeLlmServer reasoning(long reasoning) {
    this.reasoningTokens = reasoning;
    return this;
  }

  /**
   * The audio parts of the usage every OpenAI chat answer reports from now on, in
   * {@code prompt_tokens_details.audio_tokens} and {@code completion_tokens_details.audio_tokens}
   * (blocking and in a stream's usage chunk), and in the {@code AUDIO} entries of a Gemini answer's
   * {@code promptTokensDetails} and {@code candidatesTokensDetails}: {@code in} of the uncached prompt
   * tokens, {@code out} of the output tokens beside the reasoning ones, each capped at what there is,
   * as gpt-4o-audio-preview and Gemini report an answer in audio.
   */
  public FakeLlmServer audio(long in, long out) {
    this.audioInputTokens = in;
    this.audioOutputTokens = out;
    return this;
  }

  /**
   * The {@code service_tier} every OpenAI answer names from now on ({@code priority}, {@code flex},
   * ...), as OpenAI echoes the tier that served it: in a chat completion, in every chunk of a chat
   * stream, and in a Responses object (blocking and in the stream's events).
   */
  public FakeLlmServer serviceTier(String tier) {
    this.serviceTier = tier;
    return this;
  }

  long inputTokens() {
    Bill b = answering.get();
    return b != null ? b.input() : inputTokens == COUNTED ? 0 : inputTokens;
  }

  long outputTokens() {
    Bill b = answering.get();
    return b != null ? b.output() : outputTokens;
  }

  long cachedTokens() {
    return cachedTokens;
  }

  long reasoningTokens() {
    return Math.min(reasoningTokens, outputTokens());
  }

  /** The audio part of the uncached prompt tokens answers report. */
  long audioInputTokens() {
    return Math.min(audioInputTokens, inputTokens());
  }

  /** The audio part of {@code output} tokens of which {@code reasoning} are reasoning. */
  long audioOutputTokens(long output, long reasoning) {
    return Math.min(audioOutputTokens, output - reasoning);
  }

  String reply() {
    return reply;
  }

  /** The Gemini API's settings and answers (generateContent, streamGenerateContent, embedContent). */
  public GeminiApi gemini() {
    return (GeminiApi) apis.get(0);
  }

  /** The Azure OpenAI service's settings and answers (deployments' chat completions and embeddings). */
  public AzureOpenAiApi azure() {
    return (AzureOpenAiApi) apis.get(1);
  }

  /** The text of every answer, and in how many pieces a stream sends it. */
  public FakeLlmServer reply(String text, int streamChunks) {
    this.reply = text;
    this.chunks = Math.max(1, streamChunks);
    return this;
  }

  /** Every answer waits this long first, so tests can hold calls in flight (e.g. to kill a JVM mid-call). */
  public FakeLlmServer delay(java.time.Duration delay) {
    return answerDelay(delay.toMillis());
  }

  /**
   * Every answer waits {@code millis} after its request was received and counted, as a slow model
   * does: a client can then give up on a request the server already has.
   */
  public FakeLlmServer answerDelay(long millis) {
    this.answerDelayMillis = Math.max(0, millis);
    return this;
  }

  /** The next {@code n} requests get a 500, as an overloaded provider would answer. */
  public FakeLlmServer failNext(int n) {
    failNext.set(n);
    return this;
  }

  /**
   * Every chat or completions request that carries {@code stream_options} gets {@code status}, as
   * servers that reject unknown fields answer: 400 with the body Azure OpenAI (api-versions before
   * 2024-09-01-preview) gives, 422 with Mistral's; 0 answers them as any other request (the default).
   */
  public FakeLlmServer rejectStreamOptions(int status) {
    if (status != 0 && status != 400 && status != 422) {
      throw new IllegalArgumentException("rejectStreamOptions: 0, 400 (Azure) or 422 (Mistral), not " + status);
    }
    this.rejectStreamOptions = status;
    return this;
  }

  /** The requests answered with an error by {@link #rejectStreamOptions(int)}. */
  public int streamOptionsRejected() {
    return streamOptionsRejected.get();
  }

  /** Requests received on {@code path}, e.g. {@code /v1/chat/completions}, failed ones included. */
  public int requests(String path) {
    AtomicInteger n = requests.get(path);
    return n == null ? 0 : n.get();
  }

  /** Requests received on every path. */
  public int totalRequests() {
    return requests.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /**
   * Forgets what was received, after the requests still being answered (a slow answer to a client
   * that gave up) have finished, so they cannot count towards the next test.
   */
  public void resetCounts() {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    requests.clear();
    bills.clear();
    streamOptionsRejected.set(0);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    inFlight.incrementAndGet();
    try (ex) {
      String path = ex.getRequestURI().getPath();
      requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
      byte[] bytes;
      try (InputStream in = ex.getRequestBody()) {
        bytes = in.readAllBytes();
      }
      if (answerDelayMillis > 0) {
        try {
          Thread.sleep(answerDelayMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        send(ex, 500, "application/json", "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}");
        return;
      }
      JsonNode body = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
      int reject = rejectStreamOptions;
      if (reject != 0 && body.has("stream_options") && (path.endsWith("/chat/completions")
          || path.endsWith("/completions"))) {
        streamOptionsRejected.incrementAndGet();
        send(ex, reject, "application/json", reject == 400
            ? "{\"error\":{\"message\":\"Unrecognized request argument supplied: stream_options\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"
            : "{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":\"extra_forbidden\","
                + "\"loc\":[\"body\",\"stream_options\"],\"msg\":\"Extra inputs are not permitted\","
                + "\"input\":{\"include_usage\":true}}]},\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":null}");
        return;
      }
      Bill bill = bill(path, body);
      bills.add(bill);
      answering.set(bill);
      try {
        answer(ex, path, body);
      } finally {
        answering.remove();
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void answer(HttpExchange ex, String path, JsonNode body) throws IOException {
    {
      for (FakeApi api : apis) {
        if (api.answer(ex, path, body)) {
          return;
        }
      }
      // A Responses call may name no model and leave it to its stored prompt, which here chooses gpt-4o-mini.
      String model = body.path("model").asText(body.path("prompt").has("id") ? STORED_PROMPT_MODEL : "unknown");
      boolean stream = body.path("stream").asBoolean(false);
      if (path.endsWith("/chat/completions")) {
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        if (stream) {
          sendEvents(ex, chatEvents(model, includeUsage));
        } else {
          send(ex, 200, "application/json", chatCompletion(model));
        }
      } else if (path.endsWith("/responses")) {
        if (stream) {
          sendEvents(ex, responseEvents(model));
        } else {
          // A background call is queued: its answer reports no usage until it is retrieved.
          send(ex, 200, "application/json", response(model,
              body.path("background").asBoolean(false) ? "queued" : "completed").toString());
        }
      } else if (path.endsWith("/embeddings")) {
        send(ex, 200, "application/json", embeddings(model, body.get("input")));
      } else if (path.endsWith("/messages")) {
        if (stream) {
          sendEvents(ex, messageEvents(model));
        } else {
          send(ex, 200, "application/json", message(model, outputTokens()).toString());
        }
      } else if (path.equals("/api/chat")) {
        OllamaApi.chat(ex, body, inputTokens(), outputTokens(), pieces());
      } else {
        send(ex, 404, "application/json", "{\"error\":{\"message\":\"no such path " + path + "\"}}");
      }
    }
  }




  long cacheCreationTokens() {
    return cacheCreationTokens;
  }


  String id(String prefix) {
    return prefix + ids.incrementAndGet();
  }

  /** The reply cut into the configured number of stream pieces. */
  String[] pieces() {
    String text = reply;
    int n = Math.min(chunks, Math.max(1, text.length()));
    String[] out = new String[n];
    int step = (text.length() + n - 1) / n;
    for (int i = 0; i < n; i++) {
      int from = Math.min(text.length(), i * step);
      out[i] = text.substring(from, Math.min(text.length(), from + step));
    }
    return out;
  }

  private ObjectNode openAiUsage() {
    ObjectNode u = JSON.createObjectNode();
    u.put("prompt_tokens", inputTokens() + cachedTokens);
    u.put("completion_tokens", outputTokens());
    u.put("total_tokens", inputTokens() + cachedTokens + outputTokens());
    u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens)
        .put("audio_tokens", audioInputTokens());
    u.putObject("completion_tokens_details").put("reasoning_tokens", reasoningTokens())
        .put("audio_tokens", audioOutputTokens(outputTokens(), reasoningTokens()))
        .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
    return u;
  }

  String chatCompletion(String model) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", id("chatcmpl-")).put("object", "chat.completion").put("created", 1_700_000_000L).put("model", model);
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0).put("finish_reason", "stop").putNull("logprobs");
    choice.putObject("message").put("role", "assistant").put("content", reply).putNull("refusal");
    root.set("usage", openAiUsage());
    root.put("service_tier", serviceTier).put("system_fingerprint", "fp_fake");
    return root.toString();
  }

  String[] chatEvents(String model, boolean includeUsage) {
    String id = id("chatcmpl-");
    String[] parts = pieces();
    String[] events = new String[parts.length + (includeUsage ? 3 : 2)];
    int i = 0;
    events[i++] = chatChunk(id, model, JSON.createObjectNode().put("role", "assistant").put("content", ""), null, includeUsage);
    for (String p : parts) {
      events[i++] = chatChunk(id, model, JSON.createObjectNode().put("content", p), null, includeUsage);
    }
    events[i - 1] = chatChunk(id, model, JSON.createObjectNode().put("content", parts[parts.length - 1]), "stop", includeUsage);
    if (includeUsage) {
      ObjectNode last = chunkBase(id, model);
      last.putArray("choices");
      last.set("usage", openAiUsage());
      events[i++] = last.toString();
    }
    events[i++] = "[DONE]";
    return java.util.Arrays.copyOf(events, i);
  }

  private ObjectNode chunkBase(String id, String model) {
    ObjectNode c = JSON.createObjectNode();
    c.put("id", id).put("object", "chat.completion.chunk").put("created", 1_700_000_000L).put("model", model)
        .put("service_tier", serviceTier).put("system_fingerprint", "fp_fake");
    return c;
  }

  private String chatChunk(String id, String model, ObjectNode delta, String finish, boolean includeUsage) {
    ObjectNode c = chunkBase(id, model);
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0).set("delta", delta);
    if (finish == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finish);
    }
    if (includeUsage) {
      c.putNull("usage");
    }
    return c.toString();
  }

  private ObjectNode response(String model, String status) {
    ObjectNode r = JSON.createObjectNode();
    r.put("id", id("resp_")).put("object", "response").put("created_at", 1_700_000_000L).put("status", status)
        .put("model", model).putNull("error").putNull("incomplete_details").putNull("instructions")
        .put("parallel_tool_calls", true).put("tool_choice", "auto").putArray("tools");
    r.putObject("metadata");
    r.put("temperature", 1.0).put("top_p", 1.0).put("service_tier", serviceTier);
    ArrayNode output = r.putArray("output");
    if ("completed".equals(status)) {
      ObjectNode msg = output.addObject();
      msg.put("type", "message").put("id", id("msg_")).put("status", "completed").put("role", "assistant");
      msg.putArray("content").addObject().put("type", "output_text").put("text", reply).putArray("annotations");
      ObjectNode u = r.putObject("usage");
      u.put("input_tokens", inputTokens() + cachedTokens);
      u.putObject("input_tokens_details").put("cached_tokens", cachedTokens);
      u.put("output_tokens", outputTokens());
      u.putObject("output_tokens_details").put("reasoning_tokens", reasoningTokens());
      u.put("total_tokens", inputTokens() + cachedTokens + outputTokens());
    } else {
      r.putNull("usage");
    }
    return r;
  }

  private String[] responseEvents(String model) {
    String[] parts = pieces();
    String[] events = new String[parts.length + 2];
    int seq = 0;
    int i = 0;
    ObjectNode created = JSON.createObjectNode().put("type", "response.created").put("sequence_number", seq++);
    created.set("response", response(model, "in_progress"));
    events[i++] = created.toString();
    for (String p : parts) {
      events[i++] = JSON.createObjectNode().put("type", "response.output_text.delta").put("sequence_number", seq++)
          .put("item_id", "msg_1").put("output_index", 0).put("content_index", 0).put("delta", p).toString();
    }
    ObjectNode done = JSON.createObjectNode().put("type", "response.completed").put("sequence_number", seq);
    done.set("response", response(model, "completed"));
    events[i] = done.toString();
    return events;
  }

  String embeddings(String model, JsonNode input) {
    int n = input != null && input.isArray() ? input.size() : 1;
    ObjectNode root = JSON.createObjectNode();
    root.put("object", "list").put("model", model);
    ArrayNode data = root.putArray("data");
    for (int i = 0; i < n; i++) {
      ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
      ArrayNode v = e.putArray("embedding");
      for (int k = 0; k < 8; k++) {
        v.add(0.125 * k);
      }
    }
    root.putObject("usage").put("prompt_tokens", inputTokens()).put("total_tokens", inputTokens());
    return root.toString();
  }

  private ObjectNode anthropicUsage(long output) {
    ObjectNode u = JSON.createObjectNode();
    u.put("input_tokens", inputTokens()).put("cache_creation_input_tokens", cacheCreationTokens)
        .put("cache_read_input_tokens", cachedTokens).put("output_tokens", output);
    return u;
  }

  private ObjectNode message(String model, long output) {
    ObjectNode m = JSON.createObjectNode();
    m.put("id", id("msg_")).put("type", "message").put("role", "assistant").put("model", model);
    ArrayNode content = m.putArray("content");
    if (output == outputTokens()) {
      content.addObject().put("type", "text").put("text", reply);
      m.put("stop_reason", "end_turn");
    } else {
      m.putNull("stop_reason");
    }
    m.putNull("stop_sequence");
    m.set("usage", anthropicUsage(output));
    return m;
  }

  private String[] messageEvents(String model) {
    String[] parts = pieces();
    String[] events = new String[parts.length + 5];
    int i = 0;
    ObjectNode start = JSON.createObjectNode().put("type", "message_start");
    start.set("message", message(model, Math.min(1, outputTokens())));
    events[i++] = start.toString();
    ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
    blockStart.putObject("content_block").put("type", "text").put("text", "");
    events[i++] = blockStart.toString();
    for (String p : parts) {
      ObjectNode d = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
      d.putObject("delta").put("type", "text_delta").put("text", p);
      events[i++] = d.toString();
    }
    events[i++] = JSON.createObjectNode().put("type", "content_block_stop").put("index", 0).toString();
    ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
    delta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
    delta.putObject("usage").put("output_tokens", outputTokens());
    events[i++] = delta.toString();
    events[i] = JSON.createObjectNode().put("type", "message_stop").toString();
    return events;
  }

  static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("x-request-id", "req_fake");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Writes events one by one, flushing each, as a provider streams them. */
  static void sendEvents(HttpExchange ex, String[] dataLines) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.getResponseHeaders().set("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody()) {
      for (String data : dataLines) {
        String eventName = eventName(data);
        String frame = (eventName == null ? "" : "event: " + eventName + "\n") + "data: " + data + "\n\n";
        out.write(frame.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      // The client closed the stream early; that is a case the tests exercise.
    }
  }

  private static String eventName(String data) {
    if (!data.startsWith("{\"type\":\"")) {
      return null;
    }
    int end = data.indexOf('"', 9);
    return end < 0 ? null : data.substring(9, end);
  }
}
