package dev.llmbudget.internal;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.pricing.UnknownModelException;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.store.ReserveResult;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

/**
 * Prices, reserves and charges LLM calls against one store: the global budget and, when a user is
 * known, the user's. This is what both {@code BudgetManager} and the agent's advice call into.
 */
public final class BudgetEngine {

  /** Tokens OpenAI adds to every chat message, and to prime the reply (as LiteLLM counts). */
  static final int TOKENS_PER_MESSAGE = 3;
  static final int TOKENS_PER_REPLY = 3;

  private final BudgetStore store;
  private final Supplier<PriceTable> prices;
  private final UnknownModelPolicy unknownModel;
  private final Clock clock;
  private final BigDecimal userDefaultBudget;
  private final BudgetDuration userDefaultDuration;
  private final Duration reservationTtl;

  /** The default lease of a reservation ({@code llmbudget.reservation_ttl}). */
  public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofMinutes(10);

  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration) {
    this(store, prices, unknownModel, clock, userDefaultBudget, userDefaultDuration, DEFAULT_RESERVATION_TTL);
  }

  /** As the other constructor, with the lease after which an unsettled reservation is released. */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration, Duration reservationTtl) {
    this.reservationTtl = Objects.requireNonNull(reservationTtl, "reservationTtl");
    if (reservationTtl.isNegative() || reservationTtl.isZero()) {
      throw new IllegalArgumentException("reservation TTL must be positive, was " + reservationTtl);
    }
    this.store = Objects.requireNonNull(store, "store");
    this.prices = Objects.requireNonNull(prices, "prices");
    this.unknownModel = unknownModel == null ? UnknownModelPolicy.WARN : unknownModel;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.userDefaultBudget = userDefaultBudget;
    this.userDefaultDuration = userDefaultDuration;
  }

  public BudgetStore store() {
    return store;
  }

  public Clock clock() {
    return clock;
  }

  public Instant now() {
    return clock.instant();
  }

  public PriceTable prices() {
    return prices.get();
  }

  /**
   * The price of {@code model}, or {@code null} when the table lacks it and the policy lets the
   * call go on; with {@link UnknownModelPolicy#BLOCK} an unknown model throws.
   */
  public ModelPrice priceOf(String model) {
    ModelPrice price = model == null ? null : prices.get().resolve(model).orElse(null);
    if (price == null) {
      onUnknown(model);
    }
    return price;
  }

  /** What {@code usage} costs, exactly; zero for an unknown model the policy lets through. */
  public BigDecimal cost(Usage usage) {
    ModelPrice price = priceOf(usage.model());
    return price == null ? BigDecimal.ZERO : price.cost(usage);
  }

  /**
   * As {@link #cost(Usage)}, but a response naming a model the table lacks (a deployment alias, a
   * snapshot newer than the table) is priced as the model the call was reserved for.
   */
  BigDecimal cost(Usage usage, String reservedModel) {
    if (reservedModel != null && !reservedModel.equals(usage.model())
        && usage.model() != null && prices.get().resolve(usage.model()).isEmpty()) {
      ModelPrice fallback = prices.get().resolve(reservedModel).orElse(null);
      if (fallback != null) {
        return fallback.cost(usage);
      }
    }
    return cost(usage);
  }

  /** Reserves {@code amount} for {@code user} (and the global budget), or throws {@link BudgetExceededError}. */
  public Reservation reserve(String user, BigDecimal amount) {
    return reserve(user, Picodollars.of(amount), null);
  }

  /**
   * Reserves what a chat call may cost: its prompt and, when the request caps it, its output. A
   * cheap upper bound from the prompt's byte length is tried first; the prompt is only tokenized
   * when that bound does not fit, so calls with ample headroom never pay for a full count.
   */
  public Reservation reserveForCall(String user, String model, CharSequence prompt, int messages,
      long maxOutputTokens) {
    ModelPrice price = priceOf(model);
    String[] keys = keysFor(user);
    if (price == null) {
      return reserveKeys(keys, user, 0, model, null);
    }
    long overhead = messages <= 0 ? 0 : (long) messages * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    long output = Math.max(0, maxOutputTokens);
    long bound = TokenCounter.upperBoundTokens(prompt) + overhead;
    long boundCost = Picodollars.of(price.cost(Usage.of(model, bound, output)));
    Instant now = clock.instant();
    long id = store.newReservationId();
    if (store.reserve(id, keys, boundCost, now, leaseEnd(now)).isOk()) {
      return new Held(this, id, keys, user, boundCost, model);
    }
    long exact = TokenCounter.forModel(model).count(prompt == null ? "" : prompt.toString()) + overhead;
    long exactCost = Picodollars.of(price.cost(Usage.of(model, exact, output)));
    return reserveKeys(keys, user, exactCost, model, null);
  }

  /** Charges {@code usage} to {@code user} (and the global budget) without a reservation; returns the cost. */
  public BigDecimal charge(String user, Usage usage) {
    BigDecimal cost = cost(usage);
    store.charge(keysFor(user), Picodollars.of(cost), usage.model(), clock.instant(), usage);
    return cost;
  }

  Reservation reserve(String user, long amount, String model) {
    return reserveKeys(keysFor(user), user, amount, model, null);
  }

  /**
   * Reserves {@code amount} on {@code keys} or throws the refusal; {@code note} (nullable) is a short
   * remark on what the amount assumed, shown after "this call may cost up to $…".
   */
  private Reservation reserveKeys(String[] keys, String user, long amount, String model, String note) {
    Instant now = clock.instant();
    long id = store.newReservationId();
    ReserveResult r = store.reserve(id, keys, amount, now, leaseEnd(now));
    if (!r.isOk()) {
      throw refusal(r, amount, note);
    }
    return new Held(this, id, keys, user, amount, model);
  }

  /** The error for a refused reservation of {@code amount}, with the refusing budget's figures. */
  static BudgetExceededError refusal(ReserveResult r, long amount, String note) {
    String key = r.exhaustedKey();
    return new BudgetExceededError(BudgetStore.GLOBAL_KEY.equals(key) ? null : key,
        Picodollars.toDollars(r.spentPico()), Picodollars.toDollars(r.reservedPico()),
        Picodollars.toDollars(r.limitPico()), Picodollars.toDollars(amount), note);
  }

  private Instant leaseEnd(Instant now) {
    try {
      return now.plus(reservationTtl);
    } catch (java.time.DateTimeException | ArithmeticException e) {
      return Instant.ofEpochMilli(Long.MAX_VALUE);
    }
  }

  /** The budget keys a call by {@code user} is checked against; creates the user's default budget if configured. */
  public String[] keysFor(String user) {
    if (user == null) {
      return new String[] {BudgetStore.GLOBAL_KEY};
    }
    if (userDefaultBudget != null) {
      store.putBudgetIfAbsent(user, userDefaultBudget, userDefaultDuration, clock.instant());
    }
    return new String[] {BudgetStore.GLOBAL_KEY, user};
  }

  private void onUnknown(String model) {
    switch (unknownModel) {
      case BLOCK:
        throw new UnknownModelException(model, prices.get().source());
      case WARN:
        Log.warnOnce("unknown-model:" + model, "llm-budget: model '" + model
            + "' is not in the price table (" + prices.get().source() + "); its calls are charged $0. "
            + "Price it as a known model with llmbudget.model_aliases=" + model + ":<model in the table>, point "
            + "llmbudget.prices at a table that has it, or set llmbudget.unknown_model=block to refuse such calls.", null);
        break;
      default:
        break;
    }
  }

  /** A live reservation; settled at most once, whichever of commit/release/close comes first. */
  static final class Held implements Reservation {
    private static final AtomicIntegerFieldUpdater<Held> SETTLED =
        AtomicIntegerFieldUpdater.newUpdater(Held.class, "settled");

    private final BudgetEngine engine;
    private final long id;
    private final String[] keys;
    private final String user;
    private final long amount;
    private final String model;
    private volatile int settled;

    Held(BudgetEngine engine, long id, String[] keys, String user, long amount, String model) {
      this.engine = engine;
      this.id = id;
      this.keys = keys;
      this.user = user;
      this.amount = amount;
      this.model = model;
    }

    @Override
    public String user() {
      return user;
    }

    @Override
    public BigDecimal amount() {
      return Picodollars.toDollars(amount);
    }

    /** The model the call was reserved for, if known. */
    String model() {
      return model;
    }

    @Override
    public BigDecimal commit(Usage usage) {
      BigDecimal cost;
      try {
        cost = engine.cost(usage, model);
      } catch (RuntimeException e) {
        release();
        throw e;
      }
      settle(Picodollars.of(cost), usage.model(), usage);
      return cost;
    }

    @Override
    public void commit(BigDecimal cost, String model) {
      if (cost.signum() < 0) {
        throw new IllegalArgumentException("cost must not be negative, was " + cost.toPlainString());
      }
      settle(Picodollars.of(cost), model, null);
    }

    @Override
    public void release() {
      settle(0, null, null);
    }

    @Override
    public void close() {
      release();
    }

    private void settle(long actual, String bookedModel, Usage usage) {
      if (SETTLED.compareAndSet(this, 0, 1)) {
        Instant now = engine.clock.instant();
        if (!engine.store.settle(id, actual, bookedModel, now, usage)) {
          // the store forgot it (its lease ran out long ago): the call still pays what it used
          engine.store.charge(keys, actual, bookedModel, now, usage);
        }
      }
    }
  }
}
