package dev.llmbudget.store;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmbudget.internal.RemoteReader;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Budgets kept on a server that speaks LiteLLM's hosted budget protocol ({@code POST /get_budget},
 * {@code POST /set_budget} with the whole user dict of a project). Opening fails at once when the
 * server cannot be read, so a misconfigured application learns it before its first call; after
 * that, charges stay in memory and a daemon thread pushes them, retrying with backoff. Every
 * request is bounded by the timeout as a whole (connect, headers and body) and an answer may not
 * exceed {@value #MAX_ANSWER_BYTES} bytes, so a server that drips cannot hang a flush or exit.
 */
public final class HostedStore extends LedgerStore {

  /** The largest answer read from the server: about 200,000 users' budgets. */
  static final int MAX_ANSWER_BYTES = 64 << 20;

  private final String apiBase;
  private final URI getBudget;
  private final URI setBudget;
  private final String projectName;
  private final Duration timeout;
  private final Clock clock;
  private final RemoteReader http;
  private final Object flushLock = new Object();
  private final LedgerSync sync = new LedgerSync();
  private final PeriodicFlusher flusher;
  private volatile long flushedCount;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * Loads the project's budgets from {@code apiBase} and starts pushing changes at most every
   * {@code flushInterval}; {@code timeout} bounds each request from connecting to the end of its answer.
   *
   * @throws BudgetStoreException when the server is down, slow, fails or answers something that is
   *     not a user dict
   */
  public HostedStore(URI apiBase, String projectName, ZoneId zone, Duration timeout, Duration flushInterval) {
    this(apiBase, projectName, zone, timeout, flushInterval, Clock.system(zone));
  }

  HostedStore(URI apiBase, String projectName, ZoneId zone, Duration timeout, Duration flushInterval, Clock clock) {
    super(zone);
    this.apiBase = apiBase.toString().replaceAll("/+$", "");
    this.getBudget = URI.create(this.apiBase + "/get_budget");
    this.setBudget = URI.create(this.apiBase + "/set_budget");
    this.projectName = Objects.requireNonNull(projectName, "projectName");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.clock = Objects.requireNonNull(clock, "clock");
    PeriodicFlusher.requirePositive(flushInterval);
    this.http = RemoteReader.instance();
    synchronized (flushLock) {
      sync.load(ledger, fetch());
      flushedCount = ledger.mutationCount();
    }
    flusher = new PeriodicFlusher(describe(), flushInterval, () -> ledger.mutationCount() != flushedCount, this::flush);
    ExitFlush.register(this);
  }

  @Override
  public String describe() {
    return "budget server " + apiBase + " project '" + projectName + "'";
  }

  /**
   * Pushes now: fetches the project's dict, adds what other instances charged since the last sync,
   * and sends the merged dict. The protocol has no compare-and-set, so two instances that flush at
   * the same instant can still overwrite each other's last interval.
   *
   * @throws BudgetStoreException when the server fails; nothing in memory is dropped and the next
   *     flush retries
   */
  @Override
  public void flush() {
    synchronized (flushLock) {
      sync.merge(ledger, fetch(), clock.instant());
      long count = ledger.mutationCount();
      Map<String, StoredBudget> exported = sync.export(ledger);
      ObjectNode body = UserCostJson.MAPPER.createObjectNode().put("project_name", projectName);
      body.set("user_dict", UserCostJson.toTree(exported));
      JsonNode answer = post(setBudget, body);
      if ("error".equals(answer.path("status").asText())) {
        throw new BudgetStoreException(setBudget + " refused the budgets: " + answer);
      }
      sync.written(exported);
      flushedCount = count;
    }
  }

  /** Stops the flush thread and pushes a last time. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    flusher.stop();
    try {
      flush();
    } finally {
      ExitFlush.unregister(this);
    }
  }

  /** LiteLLM answers {@code status: error} when nothing is stored for the project yet. */
  private Map<String, StoredBudget> fetch() {
    JsonNode answer = post(getBudget, UserCostJson.MAPPER.createObjectNode().put("project_name", projectName));
    if ("error".equals(answer.path("status").asText())) {
      return Map.of();
    }
    JsonNode data = answer.get("data");
    if (data == null || !data.isObject()) {
      throw new BudgetStoreException(getBudget + " answered without a 'data' object: " + abbreviate(answer.toString()));
    }
    return UserCostJson.fromTree(data, getBudget + " data", clock.instant());
  }

  private JsonNode post(URI url, ObjectNode body) {
    byte[] answer;
    try {
      answer = http.postJson(url, UserCostJson.MAPPER.writeValueAsBytes(body), timeout, MAX_ANSWER_BYTES);
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new BudgetStoreException("interrupted while calling " + url, e);
    } catch (IOException e) {
      throw new BudgetStoreException(e.getMessage(), e);
    }
    String text = new String(answer, StandardCharsets.UTF_8);
    JsonNode json;
    try {
      json = UserCostJson.MAPPER.readTree(answer);
    } catch (JacksonException | NumberFormatException e) {
      // NumberFormatException: a number no BigDecimal can hold (1e99999999999), thrown untyped by the parser
      throw new BudgetStoreException(url + " answered something that is not JSON: " + abbreviate(text), e);
    } catch (IOException e) {
      throw new BudgetStoreException("cannot read the answer of " + url + ": " + e, e);
    }
    if (json == null || !json.isObject()) {
      throw new BudgetStoreException(url + " answered JSON that is not an object: " + abbreviate(text));
    }
    return json;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
