package dev.llmbudget.internal;

import dev.llmbudget.tokens.TokenCounter;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.Reservation;
import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.MemoryStore;
import dev.llmbudget.store.Picodollars;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What the engine adds to every call of a known user: reserve, price, settle, without BigDecimal arithmetic. */
class BudgetEnginePerCallTest {

  @Test
  void aCallOfAKnownUserIsReservedPricedAndSettledWithAFewSmallObjects() {
    MemoryStore store = new MemoryStore("per-call", ZoneOffset.UTC);
    Clock clock = Clock.systemUTC();
    store.putBudget(BudgetStore.GLOBAL_KEY, new BigDecimal("1000"), null, clock.instant());
    BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, null, clock, new BigDecimal("100"),
        BudgetDuration.MONTHLY);
    Usage usage = new Usage("gpt-4o-mini-2024-07-18", 180, 40, 20, 0, 0, 0, false);
    for (int i = 0; i < 20_000; i++) {
      call(engine, usage); // compiled before measuring, as a server's steady state is
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long least = Long.MAX_VALUE;
    for (int round = 0; round < 5; round++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      call(engine, usage);
      least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
    }
    System.out.println("BudgetEnginePerCallTest: bytes allocated by one reserve+commit: " + least);

    // 180 x 1.5e-7 + 40 x 6e-7 + 20 x 7.5e-8 dollars, 20,001 calls and 5 more
    long perCall = Picodollars.of(new BigDecimal("0.0000525"));
    assertThat(Picodollars.of(store.snapshot("alice", clock.instant()).orElseThrow().currentCost()))
        .isEqualTo(perCall * 20_005);
    // the holders of a reservation and the store's states (560 B); the charge as dollars and back and
    // a second instant per call took 736 B; BigDecimal pricing and bound, and the default budget
    // converted on every call, about 1.5 KB more
    assertThat(least).as("bytes allocated by one reserve+commit").isLessThan(640);
  }

  /**
   * The entry points the agent's advice calls (naming the SDK, pricing in picodollars) reserve what
   * the store then holds, and hand back the very charge the store books: the agent reports and
   * meters these figures, so a wrong one would be a wrong bill, not a wrong log line.
   */
  @Test
  void theAgentsEntryPointsHoldAndReturnExactlyWhatTheStoreBooks() {
    MemoryStore store = new MemoryStore("agent-path", ZoneOffset.UTC);
    Clock clock = Clock.fixed(java.time.Instant.parse("2026-03-10T10:00:00Z"), ZoneOffset.UTC);
    BudgetEngine engine = new BudgetEngine(store, PriceTable::defaultTable, null, clock, new BigDecimal("100"), null);
    Usage usage = new Usage("gpt-4o-mini-2024-07-18", 180, 40, 20, 0, 0, 0, false);
    long perCall = Picodollars.of(new BigDecimal("0.0000525"));

    Reservation a = engine.reserveCall("alice", CallRequest.of("gpt-4o-mini", "Say hello.", 1, 256), false,
        "openai-java").reservation();
    long held = BudgetEngine.amountPicos(a);
    assertThat(held).isPositive().isEqualTo(Picodollars.of(a.amount()))
        .isEqualTo(Picodollars.of(store.snapshot("alice", clock.instant()).orElseThrow().reserved()));
    assertThat(BudgetEngine.commitPicos(a, usage)).isEqualTo(perCall);

    // three answers asked for (n = 3): the prompt once, each answer's 256 output tokens at $0.60/M
    Reservation three = engine.reserveCall("alice", CallRequest.of("gpt-4o-mini", "Say hello.", 1, 256,
        TokenCounter.upperBoundTokens("Say hello."), 3, 0, 0, 0, null), false, "openai-java").reservation();
    assertThat(BudgetEngine.amountPicos(three)).isEqualTo(held + 2 * 256 * 600_000L)
        .isEqualTo(Picodollars.of(store.snapshot("alice", clock.instant()).orElseThrow().reserved()));
    three.release();

    BudgetEngine.CallReservation b = engine.reserveCall("alice", CallRequest.of("gpt-4o-mini", "Say hello.", 1, 256),
        false, "openai-java");
    assertThat(b.outputCap()).isEqualTo(256);
    assertThat(BudgetEngine.amountPicos(b.reservation())).isEqualTo(held);
    assertThat(BudgetEngine.commitPicos(b.reservation(), usage)).isEqualTo(perCall);

    BudgetEngine.CallReservation c = engine.reserveCall("alice", CallRequest.of("gpt-4o-mini", null, 1, 256, 200, 1, 0,
        0, 0, null), false, "spring-ai");
    assertThat(BudgetEngine.amountPicos(c.reservation())).isPositive()
        .isEqualTo(Picodollars.of(store.snapshot("alice", clock.instant()).orElseThrow().reserved()));
    assertThat(BudgetEngine.commitPicos(c.reservation(), usage)).isEqualTo(perCall);

    BudgetSnapshot alice = store.snapshot("alice", clock.instant()).orElseThrow();
    assertThat(Picodollars.of(alice.currentCost())).isEqualTo(3 * perCall);
    assertThat(alice.reserved()).isZero();
  }

  /** Made once: in the agent the seam's request record is the argument, so the engine's bytes are measured alone. */
  private static final CallRequest REQUEST = CallRequest.of("gpt-4o-mini", null, 1, 256, 200, 1, 0, 0, 0, null);

  private static void call(BudgetEngine engine, Usage usage) {
    // as the agent settles a call: the charge in picodollars
    BudgetEngine.commitPicos(engine.reserveCall("alice", REQUEST, false, null).reservation(), usage);
  }
}
