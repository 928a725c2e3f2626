package dev.llmbudget.agent.instrumentation.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.GlobalBudget;
import dev.llmbudget.agent.instrumentation.FakeShapes;
import dev.llmbudget.agent.instrumentation.FakeShapes.Ledger;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/**
 * A prompt the agent cannot read because Spring AI changed its shape must meet the failure policy;
 * a custom chat model that simply names no model still passes, as before. An answer the agent
 * cannot read, once the call went out, is charged what the call reserved and counted.
 */
class UnknownSpringAiShapeTest {

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void aPromptWithoutInstructionsOrOptionsIsRefusedUnderBlockAndCountedUnderAllow() {
    Object model = new Object();
    Object prompt = new Object();
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    assertThatThrownBy(() -> SpringAiSeam.enterCall(model, prompt))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("lacks getInstructions()/getOptions()/getDefaultOptions()");
    assertThat(SpringAiSeam.enterStream(model, prompt)).isInstanceOf(StreamRefusal.class);

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();
    assertThat(SpringAiSeam.enterCall(model, prompt)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  @Test
  void aPromptInTheKnownShapeNamingNoModelStillPassesUncounted() throws Exception {
    FakeShapes.configure("block");
    Object prompt = FakeShapes.shape("dev.example.Prompt").returning("getInstructions", List.of())
        .returning("getOptions", null).build();
    Object model = FakeShapes.shape("dev.example.ChatModel").returning("getDefaultOptions", null).build();
    long unmetered = CallCounters.unmeteredCount();

    assertThat(SpringAiSeam.enterCall(model, prompt)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered);
  }

  /** Before: a ChatResponse without getMetadata() or getResults() was charged its prompt alone, uncounted. */
  @Test
  void anAnswerOfAnUnknownShapeIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = SpringAiSeam.enterCall(chatModel(), prompt());
    Ledger held = FakeShapes.ledger();

    SpringAiSeam.exitCall(state, FakeShapes.shape("dev.example.ChatResponse").build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: charged the reservation, but not counted, so nothing showed the call went unread. */
  @Test
  void anAnswerWhoseMetadataGetterFailsIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = SpringAiSeam.enterCall(chatModel(), prompt());
    Ledger held = FakeShapes.ledger();

    SpringAiSeam.exitCall(state, FakeShapes.shape("dev.example.ChatResponse")
        .throwing("getMetadata", "metadata of another type").returning("getResults", List.of()).build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: a Usage without getPromptTokens()/getCompletionTokens() read as none, and the prompt alone was charged. */
  @Test
  void anAnswerWithAUsageOfAnotherTypeIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = SpringAiSeam.enterCall(chatModel(), prompt());
    Ledger held = FakeShapes.ledger();
    Object usage = FakeShapes.shape("dev.example.OtherUsage").returning("promptTokens", 12).build();
    Object metadata = FakeShapes.shape("dev.example.ChatResponseMetadata").returning("getModel", null)
        .returning("getUsage", usage).build();

    SpringAiSeam.exitCall(state, FakeShapes.shape("dev.example.ChatResponse").returning("getMetadata", metadata)
        .returning("getResults", List.of()).build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /**
   * A real Flux of chunks the agent cannot read, completed without usage: before, the stream was
   * charged its prompt alone, uncounted. The chunks reach the subscriber unchanged.
   */
  @Test
  void aStreamOfChunksTheAgentCannotReadIsChargedWhatItReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = SpringAiSeam.enterStream(chatModel(), prompt());
    Ledger held = FakeShapes.ledger();
    Object chunk = FakeShapes.shape("dev.example.ChatResponse").build();

    @SuppressWarnings("unchecked")
    Flux<Object> flux = (Flux<Object>) SpringAiSeam.exitStream(state, Flux.just(chunk), null);

    assertThat(flux.collectList().block()).containsExactly(chunk);
    held.assertChargedWhatWasReservedAndCounted();
  }

  /** The same cancelled after a chunk it cannot read whose text was empty to the old code: it was released. */
  @Test
  void aStreamCancelledAfterAChunkTheAgentCannotReadIsChargedWhatItReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = SpringAiSeam.enterStream(chatModel(), prompt());
    Ledger held = FakeShapes.ledger();
    Object chunk = FakeShapes.shape("dev.example.ChatResponse").throwing("getMetadata", "metadata of another type")
        .returning("getResults", List.of()).build();

    @SuppressWarnings("unchecked")
    Flux<Object> flux = (Flux<Object>) SpringAiSeam.exitStream(state, Flux.just(chunk, chunk), null);

    assertThat(flux.take(1).collectList().block()).containsExactly(chunk);
    held.assertChargedWhatWasReservedAndCounted();
  }

  /**
   * A completed stream is settled before its completion reaches the subscriber: Reactor runs
   * doFinally only after that, so a caller's blockLast() could return, and the app read its
   * spend, while the call was still only reserved (SpringAi11OpenAiIT saw alice at 0 under load).
   */
  @Test
  void aCompletedStreamIsSettledBeforeTheCallerSeesItsEnd() {
    FakeShapes.configure("block");
    BigDecimal reservedBefore = GlobalBudget.snapshot().reserved();
    Object state = SpringAiSeam.enterStream(chatModel(), prompt());
    Object chunk = FakeShapes.shape("dev.example.ChatResponse").build();

    @SuppressWarnings("unchecked")
    Flux<Object> flux = (Flux<Object>) SpringAiSeam.exitStream(state, Flux.just(chunk), null);
    java.util.concurrent.atomic.AtomicReference<BigDecimal> reservedAtEnd = new java.util.concurrent.atomic.AtomicReference<>();
    flux.doOnComplete(() -> reservedAtEnd.set(GlobalBudget.snapshot().reserved())).blockLast();

    assertThat(reservedAtEnd.get()).as("nothing of the call still held when its end reaches the caller")
        .isEqualByComparingTo(reservedBefore);
  }

  /** A stream that fails before any chunk came is still released. */
  @Test
  void aStreamFailingBeforeAnyChunkIsReleasedUncounted() {
    FakeShapes.configure("block");
    Object state = SpringAiSeam.enterStream(chatModel(), prompt());
    Ledger held = FakeShapes.ledger();

    @SuppressWarnings("unchecked")
    Flux<Object> flux = (Flux<Object>) SpringAiSeam.exitStream(state, Flux.error(new java.io.IOException("reset")), null);

    assertThatThrownBy(flux::blockLast).hasCauseInstanceOf(java.io.IOException.class);
    held.assertReleasedUncounted();
  }

  /** A Prompt in the shape the agent reads, its options naming gpt-4o with a cap of 100 output tokens. */
  private static Object prompt() {
    Object options = FakeShapes.shape("dev.example.ChatOptions").returning("getModel", "gpt-4o")
        .returning("getMaxTokens", 100).build();
    return FakeShapes.shape("dev.example.Prompt").returning("getInstructions", List.of())
        .returning("getOptions", options).build();
  }

  /** A chat model whose class loader sees Reactor, as a Spring AI model's does. */
  private static Object chatModel() {
    return FakeShapes.shape("dev.example.ChatModel").returning("getDefaultOptions", null)
        .loadedBelow(UnknownSpringAiShapeTest.class.getClassLoader()).build();
  }
}
