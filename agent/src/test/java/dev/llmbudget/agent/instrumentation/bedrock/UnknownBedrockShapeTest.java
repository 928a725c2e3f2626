package dev.llmbudget.agent.instrumentation.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.agent.instrumentation.FakeShapes;
import dev.llmbudget.agent.instrumentation.FakeShapes.Ledger;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Bedrock request class without {@code modelId()} (an SDK the agent does not know) meets the
 * failure policy; an answer the agent cannot read, once the call went out, is charged what the call
 * reserved and counted as unmetered.
 */
class UnknownBedrockShapeTest {

  private static final String HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";

  private final Object request = new Object();

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void aRequestWithoutModelIdIsRefusedUnderBlock() {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));

    assertThatThrownBy(() -> BedrockSeam.enter("converse", request))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("java.lang.Object has no modelId()");
    assertThat(BedrockSeam.enterAsync("invokeModel", request)).isInstanceOf(Refusal.class);
  }

  @Test
  void aRequestWithoutModelIdGoesOnCountedUnderAllow() {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();

    assertThat(BedrockSeam.enter("converse", request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  /** A Converse answer without usage() or body(): the provider billed it, the agent cannot tell what for. */
  @Test
  void anAnswerOfAnUnknownShapeIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enterAsync("converse", converseRequest());
    Ledger held = FakeShapes.ledger();
    Object answer = FakeShapes.shape("dev.example.ConverseResponse").build();

    Object future = BedrockSeam.exitAsync(state, CompletableFuture.completedFuture(answer), null, false);

    assertThat(((CompletableFuture<?>) future).join()).as("the caller gets the answer").isSameAs(answer);
    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: the failing getter read as absent, and the call was charged its prompt alone, uncounted. */
  @Test
  void anAnswerWhoseUsageGetterFailsIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enter("converse", converseRequest());
    Ledger held = FakeShapes.ledger();
    Object answer = FakeShapes.shape("dev.example.ConverseResponse")
        .throwing("usage", "a TokenUsage of another type").returning("output", null).build();

    BedrockSeam.exit(state, answer, null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: the body that does not parse released the reservation. */
  @Test
  void anInvokeModelAnswerWhoseBodyDoesNotParseIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enter("invokeModel", invokeModelRequest());
    Ledger held = FakeShapes.ledger();

    BedrockSeam.exit(state, FakeShapes.shape("dev.example.InvokeModelResponse").returning("body", unparsableBody())
        .build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: a TokenUsage without inputTokens()/outputTokens() read as zero tokens, and the call was charged nothing. */
  @Test
  void anAnswerWithAUsageOfAnotherTypeIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enter("converse", converseRequest());
    Ledger held = FakeShapes.ledger();
    Object usage = FakeShapes.shape("dev.example.OtherUsage").returning("promptTokens", 12).build();

    BedrockSeam.exit(state, FakeShapes.shape("dev.example.ConverseResponse").returning("usage", usage).build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** A body that does not parse is no loss when the headers Bedrock adds to every InvokeModel answer carry the counts. */
  @Test
  void anInvokeModelAnswerWhoseBodyDoesNotParseIsChargedTheCountsOfItsHeadersUncounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enter("invokeModel", invokeModelRequest());
    Ledger held = FakeShapes.ledger();
    Object http = FakeShapes.shape("dev.example.SdkHttpResponse").returning("headers", Map.of(
        "X-Amzn-Bedrock-Input-Token-Count", List.of("12"), "X-Amzn-Bedrock-Output-Token-Count", List.of("7"))).build();

    BedrockSeam.exit(state, FakeShapes.shape("dev.example.InvokeModelResponse").returning("body", unparsableBody())
        .returning("sdkHttpResponse", http).build(), null);

    held.assertChargedBelowReservedUncounted();
  }

  /** The getters the agent reads now throw when they fail: an answer in the known shape is still charged its usage. */
  @Test
  void anAnswerInTheKnownShapeIsChargedItsUsageUncounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enter("converse", converseRequest());
    Ledger held = FakeShapes.ledger();
    Object usage = FakeShapes.shape("dev.example.TokenUsage").returning("inputTokens", 12)
        .returning("outputTokens", 7).build();

    BedrockSeam.exit(state, FakeShapes.shape("dev.example.ConverseResponse").returning("usage", usage).build(), null);

    held.assertChargedBelowReservedUncounted();
  }

  /** Before: the unreadable event's text was lost and the stream charged its prompt alone, uncounted. */
  @Test
  void aStreamWithAnEventTheAgentCannotReadIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = BedrockSeam.enterStream("converseStream", converseRequest(), null);
    Ledger held = FakeShapes.ledger();
    ((BedrockCall) state).onEvent(FakeShapes.shape("dev.example.ContentBlockDeltaEvent")
        .throwing("delta", "a delta of another type").build());

    BedrockSeam.exitAsync(state, CompletableFuture.completedFuture(null), null, true);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /**
   * A stream whose handler the agent cannot wrap (here the client's loader lacks the SDK's
   * event-stream types) goes by unseen: completed, it is charged what it reserved; failed, released.
   */
  @Test
  void aStreamTheAgentCannotFollowIsChargedWhatItReservedWhenItCompletesAndReleasedWhenItFails() {
    FakeShapes.configure("block");
    Object handler = new Object();
    Object state = BedrockSeam.enterStream("converseStream", converseRequest(), handler);
    Ledger held = FakeShapes.ledger();
    assertThat(BedrockSeam.handler(state, new Object(), handler, "converseStream")).isSameAs(handler);
    Object answer = new Object();

    Object future = BedrockSeam.exitAsync(state, CompletableFuture.completedFuture(answer), null, true);

    assertThat(((CompletableFuture<?>) future).join()).isSameAs(answer);
    held.assertChargedWhatWasReservedAndCounted();

    Object failing = BedrockSeam.enterStream("converseStream", converseRequest(), handler);
    Ledger again = FakeShapes.ledger();
    BedrockSeam.handler(failing, new Object(), handler, "converseStream");
    BedrockSeam.exitAsync(failing, CompletableFuture.failedFuture(new java.io.IOException("connection reset")), null,
        true);
    again.assertReleasedUncounted();
  }

  private static Object invokeModelRequest() {
    return FakeShapes.shape("dev.example.InvokeModelRequest").returning("modelId", HAIKU)
        .returning("body", sdkBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":100}"))
        .build();
  }

  /** An Anthropic body cut short: JSON to its first byte, not to its end. */
  private static Object unparsableBody() {
    return sdkBytes("{\"content\": [");
  }

  private static Object sdkBytes(String text) {
    return FakeShapes.shape("dev.example.SdkBytes").returning("asByteArrayUnsafe", text.getBytes(StandardCharsets.UTF_8))
        .build();
  }

  private static Object converseRequest() {
    return FakeShapes.shape("dev.example.ConverseRequest").returning("modelId", HAIKU)
        .returning("messages", List.of()).build();
  }
}
