package dev.llmbudget.internal;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.OutputReserve;
import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.pricing.UnknownModelException;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.PendingCharges;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.store.ReserveResult;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;
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
  /** The role of a chat message: {@code user}, {@code system}, {@code assistant}... one token each. */
  static final int TOKENS_PER_ROLE = 1;
  static final long DEFAULT_MAX_OUTPUT_TOKENS = 4096;
  static final long DEFAULT_MIN_OUTPUT_TOKENS = 16;
  /** Reserve attempts of a clamped call before it settles for the least useful output. */
  private static final int CLAMP_ATTEMPTS = 4;

  private final BudgetStore store;
  private final Supplier<PriceTable> prices;
  private final UnknownModelPolicy unknownModel;
  private final Clock clock;
  private final BigDecimal userDefaultBudget;
  private final BudgetDuration userDefaultDuration;
  private final OutputReserve outputReserve;
  private final long defaultMaxOutputTokens;
  private final long minOutputTokens;
  private final Duration reservationTtl;
  /** Tokens reserved for an image on a model family {@link ImageTokens} cannot place ({@code llmbudget.image_tokens}). */
  private final long unplacedImageTokens;
  /**
   * Tokens a file, PDF or audio part of a request is reserved at ({@code llmbudget.file_tokens}); 0:
   * unset, and such a request's prompt is reserved at its model's context window, the only bound
   * of what a file can bill that the request's bytes do not give.
   */
  private final long fileTokens;

  /** The default lease of a reservation ({@code llmbudget.reservation_ttl}). */
  public static final Duration DEFAULT_RESERVATION_TTL = Duration.ofMinutes(10);

  /** An engine that reserves the model's maximum output for uncapped calls (the default mode). */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration) {
    this(store, prices, unknownModel, clock, userDefaultBudget, userDefaultDuration, OutputReserve.MODEL_MAX,
        DEFAULT_MAX_OUTPUT_TOKENS, DEFAULT_MIN_OUTPUT_TOKENS, DEFAULT_RESERVATION_TTL);
  }

  /** As the short form, with the lease after which an unsettled reservation is released. */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration, Duration reservationTtl) {
    this(store, prices, unknownModel, clock, userDefaultBudget, userDefaultDuration, OutputReserve.MODEL_MAX,
        DEFAULT_MAX_OUTPUT_TOKENS, DEFAULT_MIN_OUTPUT_TOKENS, reservationTtl);
  }

  /** As the short form, with {@code llmbudget.output_reserve} and its two token settings. */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration,
      OutputReserve outputReserve, long defaultMaxOutputTokens, long minOutputTokens) {
    this(store, prices, unknownModel, clock, userDefaultBudget, userDefaultDuration, outputReserve,
        defaultMaxOutputTokens, minOutputTokens, DEFAULT_RESERVATION_TTL);
  }

  /**
   * As the short form, with {@code llmbudget.output_reserve} and its two token settings, and the
   * lease after which an unsettled reservation is released ({@code llmbudget.reservation_ttl}).
   */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration,
      OutputReserve outputReserve, long defaultMaxOutputTokens, long minOutputTokens, Duration reservationTtl) {
    this(store, prices, unknownModel, clock, userDefaultBudget, userDefaultDuration, outputReserve,
        defaultMaxOutputTokens, minOutputTokens, reservationTtl, ImageTokens.DEFAULT);
  }

  /**
   * As the long form, with the tokens an image in a request is reserved at when its model's family
   * has no documented bound ({@code llmbudget.image_tokens}).
   */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration,
      OutputReserve outputReserve, long defaultMaxOutputTokens, long minOutputTokens, Duration reservationTtl,
      long unplacedImageTokens) {
    this(store, prices, unknownModel, clock, userDefaultBudget, userDefaultDuration, outputReserve,
        defaultMaxOutputTokens, minOutputTokens, reservationTtl, unplacedImageTokens, 0);
  }

  /**
   * As the long form with image tokens, and the tokens each file, PDF or audio part of a request is
   * reserved at ({@code llmbudget.file_tokens}; 0: unset, the model's context window bounds them).
   */
  public BudgetEngine(BudgetStore store, Supplier<PriceTable> prices, UnknownModelPolicy unknownModel,
      Clock clock, BigDecimal userDefaultBudget, BudgetDuration userDefaultDuration,
      OutputReserve outputReserve, long defaultMaxOutputTokens, long minOutputTokens, Duration reservationTtl,
      long unplacedImageTokens, long fileTokens) {
    if (unplacedImageTokens < 0) {
      throw new IllegalArgumentException("image tokens must not be negative, was " + unplacedImageTokens);
    }
    if (fileTokens < 0) {
      throw new IllegalArgumentException("file tokens must not be negative, was " + fileTokens);
    }
    this.unplacedImageTokens = unplacedImageTokens;
    this.fileTokens = fileTokens;
    this.outputReserve = Objects.requireNonNull(outputReserve, "outputReserve");
    this.defaultMaxOutputTokens = defaultMaxOutputTokens;
    this.minOutputTokens = minOutputTokens;
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

  /**
   * What {@code usage} costs, exactly, at the rates of the service tier that served it; zero for an
   * unknown model the policy lets through.
   */
  public BigDecimal cost(Usage usage) {
    ModelPrice price = priceOf(usage.model());
    return price == null ? BigDecimal.ZERO : price.forServiceTier(usage.serviceTier()).cost(usage);
  }

  /**
   * What {@code usage} costs in picodollars, rounded up as {@link Picodollars#of} rounds; a response
   * naming a model the table lacks (a deployment alias, a snapshot newer than the table) is priced as
   * the model the call was reserved for.
   */
  long costPicos(Usage usage, String reservedModel) {
    String model = usage.model();
    // one lookup of the answer's model: the reserved model's price is looked up only when it lacks one
    ModelPrice price = model == null ? null : prices.get().resolve(model).orElse(null);
    if (price == null && reservedModel != null && model != null && !reservedModel.equals(model)) {
      ModelPrice fallback = prices.get().resolve(reservedModel).orElse(null);
      if (fallback != null) {
        return fallback.forServiceTier(usage.serviceTier()).costPicos(usage);
      }
    }
    if (price == null) {
      onUnknown(model);
      return 0;
    }
    // an OpenAI priority or flex answer pays that tier's rates; the lookup is a switch, no allocation
    return price.forServiceTier(usage.serviceTier()).costPicos(usage);
  }

  /** What this engine reserves for an uncapped call's output. */
  public OutputReserve outputReserve() {
    return outputReserve;
  }

  /**
   * Commits {@code usage} on {@code reservation} and returns the charge in picodollars; for one of
   * this engine's reservations without making the charge a {@link BigDecimal} (the agent's per-call path).
   */
  public static long commitPicos(Reservation reservation, Usage usage) {
    return reservation instanceof Held ? ((Held) reservation).commitPicos(usage)
        : Picodollars.of(reservation.commit(usage));
  }

  /** The amount {@code reservation} holds, in picodollars. */
  public static long amountPicos(Reservation reservation) {
    return reservation instanceof Held ? ((Held) reservation).amount : Picodollars.of(reservation.amount());
  }

  /** Reserves {@code amount} for {@code user} (and the global budget), or throws {@link BudgetExceededError}. */
  public Reservation reserve(String user, BigDecimal amount) {
    return reserve(user, Picodollars.of(amount), null);
  }

  /**
   * A reservation and the output cap it pays for. When {@code rewrite} is true the request must go
   * out with {@code outputCap} as its output cap (the cap was lowered or added); otherwise it goes
   * out unchanged. {@code outputCap} is 0 when the reservation pays for no output.
   */
  public record CallReservation(Reservation reservation, long outputCap, boolean rewrite) {}

  /**
   * Reserves what a chat call may cost: an upper bound of its prompt and the output that
   * {@code llmbudget.output_reserve} says ({@code canRewrite}: the caller can write a new cap into
   * the request, which {@code clamp} needs; without it {@code clamp} is treated as {@code model_max},
   * so the reservation still bounds the call). {@code sdk} names the SDK or framework that metered
   * the call (e.g. {@code openai-java}), booked with its charge; {@code null}: none.
   *
   * <p>What the request adds: {@code choices} answers each may use the whole output cap and each is
   * billed, so the output is reserved that many times over, the prompt once (the returned cap is per
   * answer, as the request states it); each image adds the most its model's provider can bill for
   * one ({@code detail: low} and OpenAI's {@code detail: original} priced as such) to the prompt's
   * bound and to its exact count; a {@code priority} service tier is reserved at the model's
   * priority rates, any other tier or none ({@code auto}: the project's setting decides) at the
   * standard rates, which are also the dearer of standard and flex, so a flex request served at
   * the default tier still fits what it reserved.
   *
   * <p>A cheap byte bound of the prompt ({@link CallRequest#promptBound()}) is tried first; an
   * OpenAI model's prompt is only tokenized when that bound does not fit, so calls with ample
   * headroom never pay for a full count. Other vendors' prompts are always bounded by bytes: we do
   * not have their tokenizers, and a {@code cl100k_base} count can be below what they bill.
   *
   * <p>Clamping never races: it reserves atomically, and only reads the remaining budget after a
   * refusal, to compute a smaller cap that it then tries to reserve, again atomically (a concurrent
   * call may take the remainder first, so it retries, smaller each time).
   */
  public CallReservation reserveCall(String user, CallRequest request, boolean canRewrite, String sdk) {
    CallReservation r = reserveAtTier(user, request.model(), request.promptBound(), request.prompt(),
        request.messageCount(), request.maxOutputTokens(), request.choices(), request.images(),
        request.lowDetailImages(), request.originalDetailImages(), request.mediaParts(), canRewrite,
        request.serviceTier());
    // written before the reservation leaves this thread, read once at settle: a constant, no allocation
    ((Held) r.reservation()).sdk = sdk;
    return r;
  }

  private CallReservation reserveAtTier(String user, String model, long promptBound, CharSequence prompt,
      int messages, long maxOutputTokens, int choices, int images, int lowDetailImages, int originalDetailImages,
      int mediaParts, boolean canRewrite, String serviceTier) {
    int answers = Math.max(1, choices);
    ModelPrice price = priceOf(model);
    if (price != null && UsageJson.PRIORITY_TIER.equals(serviceTier)) {
      // the one tier dearer than the standard: what a priority answer will be charged
      price = price.forServiceTier(UsageJson.PRIORITY_TIER);
    }
    Instant now = clock.instant();
    String[] keys = keysFor(user, now);
    long requested = Math.max(0, maxOutputTokens);
    if (price == null) {
      return new CallReservation(reserveKeys(keys, user, 0, model, null), requested, false);
    }
    OutputReserve mode = outputReserve == OutputReserve.CLAMP && !canRewrite ? OutputReserve.MODEL_MAX : outputReserve;
    long output = requested > 0 ? requested : mode == OutputReserve.REQUEST ? 0 : modelMaxOutput(price);
    boolean addCap = mode == OutputReserve.CLAMP && requested == 0;
    long overhead = messages <= 0 ? 0 : (long) messages * TOKENS_PER_MESSAGE + TOKENS_PER_REPLY;
    // images are not text: neither the byte bound nor a tokenizer sees them, so both add their bound
    long imageTokens = images <= 0 ? 0
        : ImageTokens.bound(price.name(), images, lowDetailImages, originalDetailImages, unplacedImageTokens);
    overhead = saturatedAdd(overhead, imageTokens);
    // Files and audio are not text either, and their bytes (an id, a URL, base64) do not bound what
    // they bill: each is reserved at llmbudget.file_tokens if the operator set it, else the prompt is
    // reserved at the model's context window, which bounds any prompt; with no window known, there
    // is no bound, and any limited budget refuses the call (the note says how to give one).
    boolean media = mediaParts > 0;
    boolean window = media && fileTokens <= 0;
    long mediaTokens = media && !window ? times(fileTokens, mediaParts) : 0;
    overhead = saturatedAdd(overhead, mediaTokens);
    long bound = saturatedAdd(Math.max(0, promptBound), overhead);
    if (window) {
      long context = price.maxInputTokens().orElse(0);
      mediaTokens = context > 0 ? context : UNBOUNDED;
      // No bound and no budget on any of the keys: nothing is limited, so the text's bound is held,
      // and no store is ever asked to hold (and sum, and report) "no bound" for a call that goes out.
      if (context > 0 || headroom(keys, now) != Long.MAX_VALUE) {
        bound = Math.max(bound, mediaTokens);
      }
    }
    long boundCost = promptCost(price, bound, times(output, answers), media);
    Held fits = tryReserve(keys, user, boundCost, model, now);
    if (fits != null) {
      return new CallReservation(fits, output, addCap);
    }
    TokenCounter counter = TokenCounter.forModel(model);
    // The prompt text holds the messages' content, not their roles, which OpenAI counts too (one
    // token each); the byte bound covers them with the newline that ends each message's text. A
    // prompt reserved at its context window stays there: its text's count says nothing of its files.
    long input = counter.exact() && !window ? counter.count(prompt == null ? "" : prompt.toString()) + overhead
        + Math.max(0, messages) * TOKENS_PER_ROLE : bound;
    String note = note(capNote(price, output, answers), images, imageTokens, mediaParts, mediaTokens, price);
    if (mode != OutputReserve.CLAMP || input == UNBOUNDED) {
      return new CallReservation(reserveKeys(keys, user, promptCost(price, input, times(output, answers), media),
          model, note), output, false);
    }
    return clamp(keys, user, model, price, input, output, requested, answers, images, imageTokens, mediaParts,
        mediaTokens);
  }

  /** A prompt bound that is no bound: a file or audio part on a model whose context window the table does not give. */
  private static final long UNBOUNDED = Long.MAX_VALUE;

  /**
   * {@link #boundCost}, with the audio input rate among the prompt's rates when it has file or audio
   * parts ({@code media}); an {@link #UNBOUNDED} prompt costs the most a reservation can hold.
   */
  private static long promptCost(ModelPrice price, long input, long output, boolean media) {
    return input == UNBOUNDED ? Long.MAX_VALUE : price.boundCostPicos(input, output, media);
  }

  /**
   * The tokens {@code images} images of a request on {@code model} are reserved at ({@link
   * ImageTokens}: the most its provider bills for each), for an estimate of a call whose answer
   * reported no usage: its images were billed, and what the reservation held for them is the one
   * figure there is. 0 without images or for a model the table does not price.
   */
  public static long imageTokens(Reservation reservation, String model, int images, int lowDetailImages,
      int originalDetailImages) {
    return reservation instanceof Held
        ? ((Held) reservation).engine.imageTokens(model, images, lowDetailImages, originalDetailImages) : 0;
  }

  /** As {@link #imageTokens(Reservation, String, int, int, int)}, on this engine. */
  public long imageTokens(String model, int images, int lowDetailImages, int originalDetailImages) {
    if (images <= 0) {
      return 0;
    }
    // not priceOf: an unknown model was met (and refused or warned about) when the call was reserved
    ModelPrice price = model == null ? null : prices.get().resolve(model).orElse(null);
    return price == null ? 0
        : ImageTokens.bound(price.name(), images, lowDetailImages, originalDetailImages, unplacedImageTokens);
  }

  /**
   * The prompt tokens an estimate (an answer that reported no usage) charges a call of {@code
   * promptTokens} counted tokens (text, overhead, images) that sent {@code mediaParts} file or audio
   * parts: what its reservation held for them, as for images; {@code llmbudget.file_tokens} a part,
   * else the model's context window, never below the count. {@code promptTokens} unchanged without
   * such parts, for a model the table does not price, or with no window known (nothing bounds them).
   */
  public static long mediaPromptTokens(Reservation reservation, String model, int mediaParts, long promptTokens) {
    return reservation instanceof Held
        ? ((Held) reservation).engine.mediaPromptTokens(model, mediaParts, promptTokens) : promptTokens;
  }

  /** As {@link #mediaPromptTokens(Reservation, String, int, long)}, on this engine. */
  public long mediaPromptTokens(String model, int mediaParts, long promptTokens) {
    if (mediaParts <= 0) {
      return promptTokens;
    }
    if (fileTokens > 0) {
      return saturatedAdd(promptTokens, times(fileTokens, mediaParts));
    }
    ModelPrice price = model == null ? null : prices.get().resolve(model).orElse(null);
    return price == null ? promptTokens : Math.max(promptTokens, price.maxInputTokens().orElse(0));
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /** {@code tokens} for each of {@code answers} answers, saturated rather than overflowing. */
  private static long times(long tokens, int answers) {
    return tokens > Long.MAX_VALUE / answers ? Long.MAX_VALUE : tokens * answers;
  }

  private CallReservation clamp(String[] keys, String user, String model, ModelPrice price, long input,
      long output, long requested, int answers, int images, long imageTokens, int mediaParts, long mediaTokens) {
    boolean media = mediaParts > 0;
    long least = requested > 0 ? Math.min(requested, minOutputTokens) : minOutputTokens;
    long cap = output;
    for (int attempt = 0; attempt < CLAMP_ATTEMPTS && cap >= least; attempt++) {
      long cost = promptCost(price, input, times(cap, answers), media);
      Instant now = clock.instant();
      Held fits = tryReserve(keys, user, cost, model, now);
      if (fits != null) {
        return clamped(user, model, keys, cap, output, requested, fits);
      }
      // the cap is per answer: what the headroom pays for, shared by every answer
      long affordable = affordableOutput(price, input, headroom(keys, now), media) / answers;
      cap = Math.min(affordable, cap - 1);
    }
    // The prompt and the least useful output: refused with the budget's error unless it now fits.
    long cost = promptCost(price, input, times(least, answers), media);
    return clamped(user, model, keys, least, output, requested, reserveKeys(keys, user, cost, model,
        note(capNote(price, least, answers), images, imageTokens, mediaParts, mediaTokens, price)));
  }

  private CallReservation clamped(String user, String model, String[] keys, long cap, long output, long requested,
      Reservation held) {
    if (cap < output) {
      BudgetSnapshot period = store.snapshot(keys[keys.length - 1], clock.instant()).orElse(null);
      Log.warnOnce("clamp:" + (user == null ? "" : user) + ":" + (period == null ? "" : period.periodStart()),
          "llm-budget: calls " + (user == null ? "" : "of user '" + user + "' ") + "are being clamped to what the "
              + "remaining budget can pay for (this one to " + cap + " output tokens of " + model
              + "); their answers may end early (finish_reason length / stop_reason max_tokens)", null);
    }
    return new CallReservation(held, cap, cap != requested);
  }

  /** The least any of {@code keys} has left to reserve, in picodollars; {@link Long#MAX_VALUE} if none is limited. */
  private long headroom(String[] keys, Instant now) {
    long least = Long.MAX_VALUE;
    for (String key : keys) {
      BudgetSnapshot s = store.snapshot(key, now).orElse(null);
      if (s != null && s.totalBudget() != null) {
        long left = Picodollars.of(s.totalBudget()) - Picodollars.of(s.currentCost()) - Picodollars.of(s.reserved());
        least = Math.min(least, left);
      }
    }
    return least;
  }

  /** The most output tokens that {@code headroom} picodollars pay for after {@code input} prompt tokens. */
  static long affordableOutput(ModelPrice price, long input, long headroom) {
    return affordableOutput(price, input, headroom, false);
  }

  /** As {@link #affordableOutput(ModelPrice, long, long)}; {@code media}: the prompt is priced as {@link #promptCost} does. */
  static long affordableOutput(ModelPrice price, long input, long headroom, boolean media) {
    long left = headroom - promptCost(price, input, 0, media);
    if (left <= 0) {
      return 0;
    }
    BigDecimal perToken = outputRate(price, input).movePointRight(12);
    if (perToken.signum() == 0) {
      return Long.MAX_VALUE;
    }
    return BigDecimal.valueOf(left).divide(perToken, 0, RoundingMode.FLOOR).min(BigDecimal.valueOf(Long.MAX_VALUE))
        .longValue();
  }

  /** The output an uncapped call may produce: the table's maximum for the model, else the configured default. */
  long modelMaxOutput(ModelPrice price) {
    OptionalLong max = price.maxOutputTokens();
    return max.isPresent() && max.getAsLong() > 0 ? max.getAsLong() : defaultMaxOutputTokens;
  }

  /**
   * What {@code input} prompt tokens and {@code output} output tokens can cost at most, in
   * picodollars: every prompt token at the dearest input-side rate (a cache write may cost more than
   * plain input), every output token at the dearer of output and reasoning (a reasoning model's cap
   * covers its reasoning), at the rates of the tier the bound falls in or the base, whichever is dearer.
   */
  static long boundCost(ModelPrice price, long input, long output) {
    return price.boundCostPicos(input, output);
  }

  private static BigDecimal outputRate(ModelPrice price, long input) {
    ModelPrice.Tier tier = price.tierFor(input);
    return tier.output().max(tier.reasoning()).max(price.outputCostPerToken()).max(price.reasoningCostPerToken());
  }

  /** Reserves {@code amount} under a new id if every budget has room; {@code null} when one has not. */
  private Held tryReserve(String[] keys, String user, long amount, String model, Instant now) {
    long id = store.newReservationId();
    return store.reserve(id, keys, amount, now, leaseEnd(now)).isOk() ? new Held(this, id, keys, user, amount, model) : null;
  }

  /**
   * What the refusal says about the call's output cap, e.g. {@code max_tokens 800}, or {@code
   * max_tokens 800 × 3 answers} for a request that asks for several (shown in parentheses).
   */
  private static String capNote(ModelPrice price, long outputTokens, int answers) {
    String cap = outputTokens <= 0 ? null : answers > 1 ? "max_tokens " + outputTokens + " × " + answers + " answers"
        : "max_tokens " + outputTokens;
    String tier = price.serviceTier();
    return tier == null ? cap : (cap == null ? "" : cap + ", ") + "at " + tier + " service-tier rates";
  }

  /**
   * The refusal's remark with the images the prompt's bound includes, e.g. {@code max_tokens 800, incl.
   * 2 images (2,890 tokens)}: a user who sees a small prompt refused learns why.
   */
  private static String note(String capNote, int images, long imageTokens) {
    if (images <= 0) {
      return capNote;
    }
    String incl = "incl. " + images + (images == 1 ? " image (" : " images (")
        + String.format(java.util.Locale.ROOT, "%,d", imageTokens) + " tokens)";
    return capNote == null ? incl : capNote + ", " + incl;
  }

  /**
   * As the images' note, with the file and audio parts and what they were reserved at, e.g. {@code
   * incl. 1 file/audio part (up to 128,000 tokens)}, or why they have no bound.
   */
  private static String note(String capNote, int images, long imageTokens, int mediaParts, long mediaTokens,
      ModelPrice price) {
    String note = note(capNote, images, imageTokens);
    if (mediaParts <= 0) {
      return note;
    }
    String incl = "incl. " + mediaParts + (mediaParts == 1 ? " file/audio part (" : " file/audio parts (")
        + (mediaTokens == UNBOUNDED ? "no bound: the price table gives " + price.name()
            + " no max_input_tokens; set llmbudget.file_tokens)"
            : "up to " + String.format(java.util.Locale.ROOT, "%,d", mediaTokens) + " tokens)");
    return note == null ? incl : note + ", " + incl;
  }

  /** Charges {@code usage} to {@code user} (and the global budget) without a reservation; returns the cost. */
  public BigDecimal charge(String user, Usage usage) {
    BigDecimal cost = cost(usage);
    String[] keys = keysFor(user);
    long pico = Picodollars.of(cost);
    PendingCharges.charge(store, clock, keys, pico, usage.model(), usage, null);
    BudgetAlerts.charged(store, keys);
    UsageCounters.record(this, user, usage.model(), usage.promptTokens(), usage.outputTokens(), pico);
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
      CallCounters.blocked();
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
    return keysFor(user, null);
  }

  /** As {@link #keysFor(String)}, with the instant the call already read ({@code null}: read one if needed). */
  private String[] keysFor(String user, Instant now) {
    if (user == null) {
      return new String[] {BudgetStore.GLOBAL_KEY};
    }
    UserIds.check(user);
    if (userDefaultBudget != null) {
      store.putBudgetIfAbsent(user, userDefaultBudget, userDefaultDuration, now != null ? now : clock.instant());
    }
    return new String[] {BudgetStore.GLOBAL_KEY, user};
  }

  private void onUnknown(String model) {
    switch (unknownModel) {
      case BLOCK:
        throw new UnknownModelException(model, prices.get().source());
      case WARN:
        if (model == null) {
          Log.warnOnce("unknown-model:", "llm-budget: an LLM call names no model (e.g. an OpenAI Responses call "
              + "whose stored prompt chooses it): it goes out with nothing reserved and is charged what its answer "
              + "reports, priced as the model the answer names. Set llmbudget.unknown_model=block to refuse such calls.",
              null);
          break;
        }
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
    /** The SDK that metered the call, for the ledger; null for a library caller. */
    String sdk;
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
      return Picodollars.toDollars(commitPicos(usage));
    }

    /** As {@link #commit(Usage)}, returning the charge in picodollars: no dollars made to be converted back. */
    long commitPicos(Usage usage) {
      long pico;
      Usage booked = usage;
      try {
        pico = engine.costPicos(usage, model);
      } catch (RuntimeException e) {
        // the call was answered, so it is paid for: what it held is the safe bound of its cost
        Log.warnOnce("price-failed:" + e.getClass().getName(), "llm-budget: could not price an answered call of '"
            + usage.model() + "' (" + e.getMessage() + "); it is charged what it reserved, $"
            + Picodollars.toDollars(amount).toPlainString() + ", marked estimated", e);
        pico = amount;
        booked = usage.asEstimated();
      }
      if (settle(pico, booked.model(), booked)) {
        CallCounters.metered(booked.estimated());
        // the model the call asked for: what OpenTelemetry's gen_ai.request.model means
        UsageCounters.record(engine, user, model != null ? model : usage.model(), usage.promptTokens(),
            usage.outputTokens(), pico);
      }
      return pico;
    }

    @Override
    public void commit(BigDecimal cost, String model) {
      if (cost.signum() < 0) {
        throw new IllegalArgumentException("cost must not be negative, was " + cost.toPlainString());
      }
      long pico = Picodollars.of(cost);
      if (settle(pico, model, null)) {
        CallCounters.metered(false);
        UsageCounters.record(engine, user, model != null ? model : this.model, 0, 0, pico);
      }
    }

    @Override
    public void release() {
      settle(0, null, null);
    }

    @Override
    public void close() {
      release();
    }

    /** True when this settled the reservation, false when it was settled already. */
    private boolean settle(long actual, String bookedModel, Usage usage) {
      if (SETTLED.compareAndSet(this, 0, 1)) {
        // a settle the store refuses is kept and retried until it lands, never dropped: the call was answered
        PendingCharges.settle(engine.store, engine.clock, id, keys, actual, bookedModel, usage, sdk);
        if (actual > 0) {
          BudgetAlerts.charged(engine.store, keys);
        }
        return true;
      }
      return false;
    }
  }
}
