package dev.llmbudget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.internal.StoreRegistry;
import dev.llmbudget.internal.UsageJson;
import dev.llmbudget.internal.UserIds;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-user LLM budgets, method for method LiteLLM's {@code BudgetManager}: create a budget when a
 * user is new, check it, make the call, update the cost. Every manager of one store in a JVM
 * shares one state with the others and with the agent; money is exact and resets happen by
 * themselves when a period ends.
 */
public final class BudgetManager {

  private final String projectName;
  private final BudgetEngine engine;
  private final BudgetStore store;
  private final Clock clock;

  /** A manager for {@code projectName} keeping budgets in the local JSON file ({@code llmbudget.store.path}). */
  public BudgetManager(String projectName) {
    this(projectName, "local", null);
  }

  /**
   * A manager for {@code projectName} whose budgets live in {@code clientType}: {@code local} (a
   * JSON file in LiteLLM's {@code user_cost.json} shape), {@code hosted} (LiteLLM's budget API at
   * {@code apiBase}) or {@code memory}.
   */
  public BudgetManager(String projectName, String clientType, String apiBase) {
    this(projectName, clientType, apiBase, Clock.systemUTC());
  }

  /** As {@link #BudgetManager(String, String, String)}, with the clock that decides resets. */
  public BudgetManager(String projectName, String clientType, String apiBase, Clock clock) {
    this.projectName = requireText(projectName, "projectName");
    this.clock = Objects.requireNonNull(clock, "clock");
    BudgetConfig config = BudgetRuntime.config();
    this.store = StoreRegistry.open(clientType, projectName, apiBase, config);
    this.engine = new BudgetEngine(store, BudgetRuntime.prices(), config.unknownModel(), clock,
        config.userMaxBudget(), config.userBudgetDuration(), config.outputReserve(), config.defaultMaxOutputTokens(),
        config.minOutputTokens(), config.reservationTtl(), config.imageTokens(),
        config.fileTokens());
  }

  /**
   * A manager on the store that the {@code llmbudget.*} settings name ({@code llmbudget.store},
   * {@code llmbudget.project}, {@code llmbudget.api_base}): the one the agent charges.
   */
  public static BudgetManager configured() {
    BudgetConfig config = BudgetRuntime.config();
    return new BudgetManager(config.project(), config.store(), config.apiBase());
  }

  public String projectName() {
    return projectName;
  }

  /**
   * Calls {@code listener} when the spend of the global budget or a user's budget in this manager's
   * store reaches one of {@code llmbudget.alert.thresholds} (default {@code 0.8,1.0}): once per
   * threshold per budget per period in this JVM, from a daemon thread within a flush interval of the
   * charge, never on the call path. A listener that throws is logged and the others still run.
   */
  public void onThreshold(java.util.function.Consumer<BudgetThresholdEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    dev.llmbudget.internal.BudgetAlerts.subscribe(store, BudgetRuntime.config(), clock, listener);
  }

  /** Creates (or changes) {@code user}'s budget; {@code duration} may be {@code null} for one that never resets. */
  public BudgetSnapshot createBudget(double totalBudget, String user, String duration) {
    return createBudget(Money.budget(totalBudget, "totalBudget"), user, duration, clock.instant());
  }

  /** As {@link #createBudget(double, String, String)}, as if created at {@code createdAt}. */
  public BudgetSnapshot createBudget(double totalBudget, String user, String duration, Instant createdAt) {
    return createBudget(Money.budget(totalBudget, "totalBudget"), user, duration, createdAt);
  }

  /**
   * Creates {@code user}'s budget, or changes the limit and duration of an existing one while
   * keeping what it has spent in this period (LiteLLM drops the spend; call {@link #resetCost} for that).
   */
  public BudgetSnapshot createBudget(BigDecimal totalBudget, String user, String duration, Instant createdAt) {
    requireUser(user);
    Money.checkBudget(totalBudget, "totalBudget");
    Objects.requireNonNull(createdAt, "createdAt");
    BudgetDuration d = duration == null ? null : BudgetDuration.parse(duration);
    store.putBudget(user, totalBudget, d, createdAt);
    return snapshot(user);
  }

  /**
   * What {@code user} has spent plus the cost of sending {@code messages} to {@code model}: the
   * prompt's tokens, counted with the chat overhead per message. Messages are maps with {@code role}
   * and {@code content}, or OpenAI / Anthropic SDK message objects.
   */
  public BigDecimal projectedCost(String model, List<?> messages, String user) {
    return projectedCost(model, messages, user, 0);
  }

  /** As {@link #projectedCost(String, List, String)}, plus {@code maxTokens} of output: an upper bound for a reservation. */
  public BigDecimal projectedCost(String model, List<?> messages, String user, long maxTokens) {
    requireUser(user);
    Objects.requireNonNull(messages, "messages");
    ModelPrice price = engine.priceOf(requireText(model, "model"));
    BigDecimal current = getCurrentCost(user);
    if (price == null) {
      return current;
    }
    int tokens = TokenCounter.forModel(model).countMessages(toMessageTree(messages));
    return current.add(price.cost(Usage.of(model, tokens, Math.max(0, maxTokens))));
  }

  /** The limit of {@code user}'s budget, or {@code null} when the user's spend is tracked without one. */
  public BigDecimal getTotalBudget(String user) {
    return existing(user).totalBudget();
  }

  /**
   * Charges the usage in {@code completion} to {@code user}: an OpenAI {@code ChatCompletion} or
   * {@code Response}, an Anthropic {@code Message}, or a response in OpenAI, Anthropic, Gemini or
   * Bedrock JSON (text, {@link JsonNode} or Map), or a {@link Usage}. Returns the cost.
   */
  public BigDecimal updateCost(Object completion, String user) {
    requireUser(user);
    Usage usage = completion instanceof Usage ? (Usage) completion : usageOf(completion);
    return engine.charge(user, usage);
  }

  /** Charges the tokens of {@code inputText} and {@code outputText} at {@code model}'s prices; returns the cost. */
  public BigDecimal updateCost(String user, String model, String inputText, String outputText) {
    requireUser(user);
    requireText(model, "model");
    TokenCounter counter = TokenCounter.forModel(model);
    Usage usage = new Usage(model, counter.count(inputText == null ? "" : inputText),
        counter.count(outputText == null ? "" : outputText), 0, 0, 0, 0, true);
    return engine.charge(user, usage);
  }

  /** What {@code user} has spent in the current period; zero for a user with no entry. */
  public BigDecimal getCurrentCost(String user) {
    requireUser(user);
    return store.snapshot(user, clock.instant()).map(BudgetSnapshot::currentCost).orElse(BigDecimal.ZERO);
  }

  /** {@code user}'s spend per model in the current period. */
  public Map<String, BigDecimal> getModelCost(String user) {
    requireUser(user);
    return store.snapshot(user, clock.instant()).map(BudgetSnapshot::modelCost).orElse(Map.of());
  }

  /** Whether {@code user} has a budget entry. */
  public boolean isValidUser(String user) {
    requireUser(user);
    return store.snapshot(user, clock.instant()).isPresent();
  }

  /** Every user with an entry (the global budget is not a user). */
  public List<String> getUsers() {
    List<String> users = new ArrayList<>();
    for (String key : store.keys()) {
      if (!BudgetStore.GLOBAL_KEY.equals(key)) {
        users.add(key);
      }
    }
    users.sort(null);
    return users;
  }

  /** Sets {@code user}'s spend to zero and starts a new period now. */
  public void resetCost(String user) {
    existing(user);
    store.resetCost(user, clock.instant());
  }

  /** Resets {@code user}'s spend if its period has ended. Reads and charges do this by themselves. */
  public void resetOnDuration(String user) {
    existing(user);
  }

  /** Resets every budget whose period has ended. Reads and charges do this by themselves. */
  public void updateBudgetAllUsers() {
    store.resetDue(clock.instant());
  }

  /** Makes every charge so far durable in the store. */
  public void saveData() {
    store.flush();
  }

  /** {@code user}'s budget as the store holds it. */
  public BudgetSnapshot snapshot(String user) {
    return existing(user);
  }

  /**
   * Atomically reserves {@code estimate} against the global budget and {@code user}'s, or throws
   * {@link BudgetExceededError}. Settle the reservation with what the call really cost.
   */
  public Reservation reserve(String user, BigDecimal estimate) {
    requireUser(user);
    Objects.requireNonNull(estimate, "estimate");
    if (estimate.signum() < 0) {
      throw new IllegalArgumentException("estimate must not be negative, was " + estimate.toPlainString());
    }
    return engine.reserve(user, estimate);
  }

  /** Reserves the cost of sending {@code messages} to {@code model} with up to {@code maxTokens} of output. */
  public Reservation reserve(String user, String model, List<?> messages, long maxTokens) {
    requireUser(user);
    ModelPrice price = engine.priceOf(requireText(model, "model"));
    if (price == null) {
      return engine.reserve(user, BigDecimal.ZERO);
    }
    int tokens = TokenCounter.forModel(model).countMessages(toMessageTree(messages));
    return engine.reserve(user, price.cost(Usage.of(model, tokens, Math.max(0, maxTokens))));
  }

  private BudgetSnapshot existing(String user) {
    requireUser(user);
    return store.snapshot(user, clock.instant()).orElseThrow(() -> new IllegalArgumentException(
        "user '" + user + "' has no budget in " + store.describe() + "; create one with createBudget"));
  }

  /** The token usage reported in {@code completion} (anything {@link #updateCost(Object, String)} accepts). */
  public static Usage usageOf(Object completion) {
    if (completion == null) {
      throw new IllegalArgumentException("completion must not be null");
    }
    JsonNode tree = SdkJson.toTree(completion);
    Usage usage = UsageJson.fromResponse(tree, null);
    if (usage == null) {
      throw new IllegalArgumentException("cannot read token usage from " + completion.getClass().getName()
          + ": updateCost accepts openai-java ChatCompletion/Response/CreateEmbeddingResponse, anthropic-java Message,"
          + " a Usage, or response JSON (String, JsonNode or Map) in OpenAI, Anthropic, Gemini or Bedrock format"
          + " that has a usage block");
    }
    return usage;
  }

  private static ArrayNode toMessageTree(List<?> messages) {
    ArrayNode array = SdkJson.MAPPER.createArrayNode();
    for (Object m : messages) {
      JsonNode node = SdkJson.toTree(m);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("a message must be a Map with role and content, or an OpenAI/Anthropic"
            + " SDK message object, was " + (m == null ? "null" : m.getClass().getName()));
      }
      array.add(node);
    }
    return array;
  }

  static String requireUser(String user) {
    return UserIds.check(user);
  }

  private static String requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }
}
