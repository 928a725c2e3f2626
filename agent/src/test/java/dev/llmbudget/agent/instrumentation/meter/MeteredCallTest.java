package dev.llmbudget.agent.instrumentation.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Reservation;
import dev.llmbudget.UnknownModelPolicy;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.MemoryStore;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A call whose answer the agent cannot read was still answered, and the provider bills it. */
class MeteredCallTest {

  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");

  private final MemoryStore store = new MemoryStore("test", ZoneOffset.UTC);
  private final BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, UnknownModelPolicy.BLOCK,
      Clock.fixed(NOW, ZoneOffset.UTC), null, null);

  @Test
  void anAnswerTheAgentCannotReadIsChargedWhatTheCallReservedAndCountedAsUnmetered() {
    store.putBudget("alice", new BigDecimal("10"), null, NOW);
    Reservation reservation = engine.reserve("alice", new BigDecimal("0.25"));
    MeteredCall call = new MeteredCall(reservation, new LlmRequest("gpt-4o-mini", "Say hello.", 1, 100));
    Object answer = new Object();
    long unmeteredBefore = CallCounters.unmeteredCount();

    Object returned = MeteredCall.exit(call, answer, null, (c, response) -> {
      throw new IllegalStateException("a response class of a shape the agent does not know");
    });

    assertThat(returned).isSameAs(answer);
    BudgetSnapshot alice = store.snapshot("alice", NOW).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("0.25");
    assertThat(alice.reserved()).isZero();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmeteredBefore + 1);
    // settled once: a later release (the SDK closing the response) changes nothing
    call.release();
    assertThat(store.snapshot("alice", NOW).orElseThrow().currentCost()).isEqualByComparingTo("0.25");
  }

  /**
   * The tier the answer names prices it, read as the agent reads every answer: a whole chat
   * completion, a chat stream's last chunk, a Responses stream's response.completed. gpt-5 at
   * priority: 1,000 x 2.5e-6 + 500 x 2e-5 = $0.0125 (standard $0.00625, flex $0.003125).
   */
  @Test
  void answersServedAtPriorityOrFlexArePricedAtThatTiersRates() {
    store.putBudget("alice", new BigDecimal("10"), null, NOW);
    String[] bodies = {
        "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-5\",\"choices\":[],\"usage\":"
            + "{\"prompt_tokens\":1000,\"completion_tokens\":500,\"total_tokens\":1500},\"service_tier\":\"priority\"}",
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-5\",\"service_tier\":\"priority\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
            + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-5\",\"service_tier\":\"priority\","
            + "\"choices\":[],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":500,\"total_tokens\":1500}}\n\n"
            + "data: [DONE]\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":3,\"response\":"
            + "{\"id\":\"r\",\"object\":\"response\",\"model\":\"gpt-5\",\"service_tier\":\"flex\",\"output\":[],"
            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":500,\"total_tokens\":1500}}}\n\n"};
    String[] spent = {"0.0125", "0.025", "0.028125"};
    for (int i = 0; i < bodies.length; i++) {
      MeteredCall call = new MeteredCall(engine.reserve("alice", new BigDecimal("0.25")),
          new LlmRequest("gpt-5", "Say hello.", 1, 500));
      call.settle(bodies[i].getBytes(java.nio.charset.StandardCharsets.UTF_8), 200);
      assertThat(store.snapshot("alice", NOW).orElseThrow().currentCost()).as(bodies[i]).isEqualByComparingTo(spent[i]);
    }
  }

  /** gpt-5's priority rates are twice its standard ones, input and output alike. */
  @Test
  void aPriorityCallWhoseAnswerReportsNoUsageIsEstimatedAtPriorityRates() {
    store.putBudget("std", new BigDecimal("10"), null, NOW);
    store.putBudget("prio", new BigDecimal("10"), null, NOW);
    byte[] noUsage = "{\"model\":\"gpt-5\",\"choices\":[{\"message\":{\"content\":\"Hi there\"}}]}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    new MeteredCall(engine.reserve("std", new BigDecimal("0.25")), new LlmRequest("gpt-5", "Say hello.", 1, 500, 10, 1,
        false, 0, 0, 0, null)).settle(noUsage, 200);
    new MeteredCall(engine.reserve("prio", new BigDecimal("0.25")), new LlmRequest("gpt-5", "Say hello.", 1, 500, 10, 1,
        false, 0, 0, 0, "priority")).settle(noUsage, 200);

    BigDecimal standard = store.snapshot("std", NOW).orElseThrow().currentCost();
    assertThat(standard).isPositive();
    assertThat(store.snapshot("prio", NOW).orElseThrow().currentCost())
        .isEqualByComparingTo(standard.multiply(BigDecimal.valueOf(2)));
  }

  /**
   * A call that sent an image and whose answer reports no usage (an Azure SDK stream, a stream closed
   * early) is estimated with what its image was reserved at: OpenAI billed the image, and a tokenizer
   * sees only the text. gpt-4o-mini: one high-detail image, 48,169 tokens at $0.15/M = $0.00722535.
   */
  @Test
  void anEstimateOfACallThatSentAnImageChargesWhatTheImageWasReservedAt() {
    store.putBudget("text", new BigDecimal("10"), null, NOW);
    store.putBudget("image", new BigDecimal("10"), null, NOW);
    byte[] noUsage = "{\"model\":\"gpt-4o-mini\",\"choices\":[{\"message\":{\"content\":\"A cat.\"}}]}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    new MeteredCall(engine.reserve("text", new BigDecimal("0.5")),
        new LlmRequest("gpt-4o-mini", "What is this?", 1, 500, 20, 1, false, 0, 0, 0, null)).settle(noUsage, 200);
    new MeteredCall(engine.reserve("image", new BigDecimal("0.5")),
        new LlmRequest("gpt-4o-mini", "What is this?", 1, 500, 20, 1, false, 1, 0, 0, null)).settle(noUsage, 200);

    BigDecimal text = store.snapshot("text", NOW).orElseThrow().currentCost();
    assertThat(text).isPositive();
    assertThat(store.snapshot("image", NOW).orElseThrow().currentCost().subtract(text))
        .isEqualByComparingTo("0.00722535");
  }

  @Test
  void aFailedCallIsReleasedAndChargedNothing() {
    store.putBudget("alice", new BigDecimal("10"), null, NOW);
    MeteredCall call = new MeteredCall(engine.reserve("alice", new BigDecimal("0.25")),
        new LlmRequest("gpt-4o-mini", "Say hello.", 1, 100));

    MeteredCall.exit(call, null, new java.io.IOException("connection reset"), (c, response) -> response);

    BudgetSnapshot alice = store.snapshot("alice", NOW).orElseThrow();
    assertThat(alice.currentCost()).isZero();
    assertThat(alice.reserved()).isZero();
  }

  @Test
  void anAnsweredBodyThatCannotBeParsedIsChargedWhatTheCallReservedAndCountedAsUnmetered() {
    store.putBudget("alice", new BigDecimal("10"), null, NOW);
    MeteredCall call = new MeteredCall(engine.reserve("alice", new BigDecimal("0.25")),
        new LlmRequest("gpt-4o-mini", "Say hello.", 1, 100));
    long unmeteredBefore = CallCounters.unmeteredCount();
    byte[] garbled = "{\"id\":\"chatcmpl-1\",\"usage\":{\"prompt_tokens\":12,".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    call.settle(garbled, 200);

    BudgetSnapshot alice = store.snapshot("alice", NOW).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("0.25");
    assertThat(alice.reserved()).isZero();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmeteredBefore + 1);
  }

  @Test
  void aFailedCallsBodyThatCannotBeParsedIsReleased() {
    store.putBudget("alice", new BigDecimal("10"), null, NOW);
    MeteredCall call = new MeteredCall(engine.reserve("alice", new BigDecimal("0.25")),
        new LlmRequest("gpt-4o-mini", "Say hello.", 1, 100));
    long unmeteredBefore = CallCounters.unmeteredCount();

    call.settle("{\"error\":{\"message\":".getBytes(java.nio.charset.StandardCharsets.UTF_8), 500);

    BudgetSnapshot alice = store.snapshot("alice", NOW).orElseThrow();
    assertThat(alice.currentCost()).isZero();
    assertThat(alice.reserved()).isZero();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmeteredBefore);
  }

  @Test
  void aBackgroundResponsesCallAnsweredWithoutUsageIsChargedWhatItReserved() {
    store.putBudget("alice", new BigDecimal("10"), null, NOW);
    MeteredCall call = new MeteredCall(engine.reserve("alice", new BigDecimal("0.25")),
        new LlmRequest("gpt-4o-mini", "Say hello.", 0, 100, 10, 1, true, 0, 0, 0, null));
    long unmeteredBefore = CallCounters.unmeteredCount();
    byte[] queued = ("{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"queued\",\"model\":\"gpt-4o-mini\","
        + "\"output\":[],\"usage\":null}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

    call.settle(queued, 200);

    BudgetSnapshot alice = store.snapshot("alice", NOW).orElseThrow();
    assertThat(alice.currentCost()).as("its bound, not its prompt alone").isEqualByComparingTo("0.25");
    assertThat(alice.reserved()).isZero();
    assertThat(CallCounters.unmeteredCount()).as("metered by design, not a failure").isEqualTo(unmeteredBefore);
  }
}
