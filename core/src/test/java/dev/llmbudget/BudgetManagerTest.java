package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.pricing.PriceTable;
import dev.llmbudget.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class BudgetManagerTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-14T15:00:00Z"));
  private final BudgetManager manager = new BudgetManager("test-" + UUID.randomUUID(), "memory", null, clock);

  private static final String OPENAI_CHAT = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\","
      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
      + "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":300,\"total_tokens\":1500,"
      + "\"prompt_tokens_details\":{\"cached_tokens\":200},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}";

  private static final String ANTHROPIC_MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
      + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
      + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":100,\"cache_read_input_tokens\":500,"
      + "\"cache_creation_input_tokens\":300,\"cache_creation\":{\"ephemeral_5m_input_tokens\":200,\"ephemeral_1h_input_tokens\":100}}}";

  private static ModelPrice price(String model) {
    return PriceTable.defaultTable().resolve(model).orElseThrow();
  }

  @Test
  void theLiteLlmFlowCreatesChecksCallsAndUpdates() {
    String user = "alice";
    if (!manager.isValidUser(user)) {
      manager.createBudget(10, user, "daily");
    }
    List<Map<String, Object>> messages = List.of(Map.of("role", "user", "content", "Hey, how's it going?"));
    BigDecimal projected = manager.projectedCost("gpt-4o-mini", messages, user);
    assertThat(projected).isPositive();
    assertThat(projected).isLessThanOrEqualTo(manager.getTotalBudget(user));

    BigDecimal charged = manager.updateCost(OPENAI_CHAT, user);

    BigDecimal expected = new BigDecimal("1000").multiply(new BigDecimal("1.5e-7"))
        .add(new BigDecimal("200").multiply(new BigDecimal("7.5e-8")))
        .add(new BigDecimal("300").multiply(new BigDecimal("6e-7")));
    assertThat(charged).isEqualByComparingTo(expected);
    assertThat(manager.getCurrentCost(user)).isEqualByComparingTo(expected);
    assertThat(manager.getModelCost(user)).containsOnlyKeys("gpt-4o-mini-2024-07-18");
    assertThat(manager.getModelCost(user).get("gpt-4o-mini-2024-07-18")).isEqualByComparingTo(expected);
    assertThat(manager.getTotalBudget(user)).isEqualByComparingTo("10");
    assertThat(manager.getUsers()).containsExactly("alice");
  }

  @Test
  void projectedCostIsCurrentCostPlusThePromptWithChatOverhead() {
    manager.createBudget(1, "bob", null);
    manager.updateCost(OPENAI_CHAT, "bob");
    List<Map<String, Object>> messages = List.of(
        Map.of("role", "system", "content", "You are terse."),
        Map.of("role", "user", "content", "Summarise the plot of Hamlet."));
    int tokens = TokenCounter.forModel("gpt-4o").countMessages(messages);
    BigDecimal expected = manager.getCurrentCost("bob").add(price("gpt-4o").cost(Usage.of("gpt-4o", tokens, 0)));
    assertThat(manager.projectedCost("gpt-4o", messages, "bob")).isEqualByComparingTo(expected);
    BigDecimal withOutput = manager.projectedCost("gpt-4o", messages, "bob", 1000);
    assertThat(withOutput.subtract(expected)).isEqualByComparingTo(new BigDecimal("1000").multiply(new BigDecimal("1e-5")));
  }

  @Test
  void anthropicMessageJsonChargesEveryTokenKind() {
    ModelPrice p = price("claude-sonnet-4-5");
    BigDecimal expected = new BigDecimal(1000).multiply(new BigDecimal("3e-6"))
        .add(new BigDecimal(100).multiply(new BigDecimal("1.5e-5")))
        .add(new BigDecimal(500).multiply(new BigDecimal("3e-7")))
        .add(new BigDecimal(200).multiply(new BigDecimal("3.75e-6")))
        .add(new BigDecimal(100).multiply(new BigDecimal("6e-6")));
    assertThat(manager.updateCost(ANTHROPIC_MESSAGE, "carol")).isEqualByComparingTo(expected);
    assertThat(p.cost(new Usage("claude-sonnet-4-5", 1000, 100, 500, 200, 100, 0, false))).isEqualByComparingTo(expected);
    assertThat(manager.isValidUser("carol")).isTrue();
    assertThat(manager.getTotalBudget("carol")).isNull();
  }

  @Test
  void updateCostAcceptsMapsAndUsageAndNamesWhatItAcceptsOtherwise() {
    Map<String, Object> response = Map.of("model", "gpt-4o", "usage", Map.of("prompt_tokens", 10, "completion_tokens", 5));
    BigDecimal expected = new BigDecimal("10").multiply(new BigDecimal("2.5e-6")).add(new BigDecimal("5").multiply(new BigDecimal("1e-5")));
    assertThat(manager.updateCost(response, "dave")).isEqualByComparingTo(expected);
    assertThat(manager.updateCost(Usage.of("gpt-4o", 10, 5), "dave")).isEqualByComparingTo(expected);
    assertThat(manager.getCurrentCost("dave")).isEqualByComparingTo(expected.add(expected));
    assertThatThrownBy(() -> manager.updateCost(new Object(), "dave"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ChatCompletion").hasMessageContaining("Message").hasMessageContaining("JSON");
    assertThatThrownBy(() -> manager.updateCost("{\"model\":\"gpt-4o\"}", "dave"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("usage");
    assertThatThrownBy(() -> manager.updateCost("not json", "dave")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void updateCostFromTextCountsBothSides() {
    TokenCounter counter = TokenCounter.forModel("gpt-4o");
    String in = "What is the capital of France?";
    String out = "The capital of France is Paris.";
    BigDecimal expected = price("gpt-4o").cost(Usage.of("gpt-4o", counter.count(in), counter.count(out)));
    assertThat(manager.updateCost("erin", "gpt-4o", in, out)).isEqualByComparingTo(expected).isPositive();
    assertThat(manager.getModelCost("erin")).containsKey("gpt-4o");
  }

  @Test
  void aDailyBudgetResetsByItselfAfterMidnight() {
    manager.createBudget(1, "frank", "daily");
    manager.updateCost(OPENAI_CHAT, "frank");
    assertThat(manager.getCurrentCost("frank")).isPositive();
    clock.set(Instant.parse("2026-03-14T23:59:59Z"));
    assertThat(manager.getCurrentCost("frank")).isPositive();
    clock.set(Instant.parse("2026-03-15T00:00:00Z"));
    assertThat(manager.getCurrentCost("frank")).isZero();
    assertThat(manager.getModelCost("frank")).isEmpty();
    assertThat(manager.snapshot("frank").nextReset()).isEqualTo(Instant.parse("2026-03-16T00:00:00Z"));
  }

  @Test
  void explicitResetsStillWork() {
    manager.createBudget(1, "gina", "weekly");
    manager.createBudget(1, "hank", null);
    manager.updateCost(OPENAI_CHAT, "gina");
    manager.updateCost(OPENAI_CHAT, "hank");
    manager.resetOnDuration("gina");
    manager.updateBudgetAllUsers();
    assertThat(manager.getCurrentCost("gina")).isPositive();
    clock.advance(Duration.ofDays(7));
    manager.updateBudgetAllUsers();
    assertThat(manager.snapshot("gina").currentCost()).isZero();
    assertThat(manager.getCurrentCost("hank")).isPositive();
    manager.resetCost("hank");
    assertThat(manager.getCurrentCost("hank")).isZero();
  }

  @Test
  void recreatingABudgetKeepsItsSpend() {
    manager.createBudget(1, "ivan", "monthly");
    BigDecimal spent = manager.updateCost(OPENAI_CHAT, "ivan");
    manager.createBudget(5, "ivan", "monthly");
    assertThat(manager.getTotalBudget("ivan")).isEqualByComparingTo("5");
    assertThat(manager.getCurrentCost("ivan")).isEqualByComparingTo(spent);
  }

  @Test
  void oneMillionMicroChargesSumToExactlyOneDollar() {
    manager.createBudget(2, "judy", null);
    BigDecimal micro = new BigDecimal("0.000001");
    for (int i = 0; i < 1_000_000; i++) {
      try (Reservation r = manager.reserve("judy", micro)) {
        r.commit(micro, "gpt-4o");
      }
    }
    assertThat(manager.getCurrentCost("judy")).isEqualByComparingTo("1");
    assertThat(manager.getCurrentCost("judy").compareTo(BigDecimal.ONE)).isZero();
  }

  @Test
  void reservationsNeverOverspendUnderSixteenThreads() throws Exception {
    BigDecimal perCall = new BigDecimal("0.001");
    int allowed = 37;
    manager.createBudget(perCall.multiply(BigDecimal.valueOf(allowed)), "kim", null, clock.instant());
    java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    Thread[] threads = new Thread[16];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 20; i++) {
          try {
            Reservation r = manager.reserve("kim", perCall);
            Thread.yield();
            r.commit(perCall, "gpt-4o");
            ok.incrementAndGet();
          } catch (BudgetExceededError e) {
            refused.incrementAndGet();
            assertThat(e.user()).contains("kim");
          }
        }
      });
      threads[t].start();
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(ok.get()).isEqualTo(allowed);
    assertThat(refused.get()).isEqualTo(16 * 20 - allowed);
    assertThat(manager.getCurrentCost("kim")).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(allowed)));
    assertThat(manager.snapshot("kim").reserved()).isZero();
  }

  @Test
  void anExhaustedBudgetRefusesWithCostBudgetAndUser() {
    manager.createBudget(0.0005, "leo", null);
    Reservation first = manager.reserve("leo", new BigDecimal("0.0004"));
    assertThatThrownBy(() -> manager.reserve("leo", new BigDecimal("0.0002")))
        .isInstanceOfSatisfying(BudgetExceededError.class, e -> {
          assertThat(e.user()).contains("leo");
          assertThat(e.budget()).isEqualByComparingTo("0.0005");
          assertThat(e.currentCost()).isZero();
          assertThat(e.isGlobal()).isFalse();
          assertThat(e.getMessage()).contains("leo").contains("0.0005");
        });
    first.commit(new BigDecimal("0.0005"), "gpt-4o");
    assertThatThrownBy(() -> manager.reserve("leo", BigDecimal.ZERO))
        .isInstanceOfSatisfying(BudgetExceededError.class,
            e -> assertThat(e.currentCost()).isEqualByComparingTo("0.0005"));
    first.release();
    assertThat(manager.getCurrentCost("leo")).isEqualByComparingTo("0.0005");
  }

  @Test
  void managersOfOneProjectAndStoreShareState() {
    String project = "shared-" + UUID.randomUUID();
    BudgetManager a = new BudgetManager(project, "memory", null);
    BudgetManager b = new BudgetManager(project, "memory", null);
    a.createBudget(1, "mo", null);
    a.updateCost(OPENAI_CHAT, "mo");
    assertThat(b.isValidUser("mo")).isTrue();
    assertThat(b.getCurrentCost("mo")).isEqualByComparingTo(a.getCurrentCost("mo")).isPositive();
  }

  @Test
  void badInputGetsTypedErrorsThatNameTheProblem() {
    assertThatThrownBy(() -> manager.createBudget(-1, "x", null)).hasMessageContaining("negative");
    assertThatThrownBy(() -> manager.createBudget(Double.NaN, "x", null)).hasMessageContaining("finite");
    assertThatThrownBy(() -> manager.createBudget(Double.POSITIVE_INFINITY, "x", null)).hasMessageContaining("finite");
    assertThatThrownBy(() -> manager.createBudget(1e12, "x", null)).hasMessageContaining("largest supported");
    assertThatThrownBy(() -> manager.createBudget(1, null, null)).hasMessageContaining("user");
    assertThatThrownBy(() -> manager.createBudget(1, "  ", null)).hasMessageContaining("user");
    assertThatThrownBy(() -> manager.createBudget(1, "x", "hourly")).hasMessageContaining("unknown budget duration 'hourly'");
    assertThatThrownBy(() -> manager.getTotalBudget("nobody")).hasMessageContaining("nobody").hasMessageContaining("createBudget");
    assertThatThrownBy(() -> manager.reserve("x", new BigDecimal("-0.1"))).hasMessageContaining("negative");
    assertThatThrownBy(() -> manager.createBudget(1, "$global", null)).hasMessageContaining("global");
    assertThatThrownBy(() -> new BudgetManager("p", "cassandra", null)).hasMessageContaining("unknown client type 'cassandra'");
    assertThatThrownBy(() -> new BudgetManager("p", "redis", null)).hasMessageContaining("redis://host:6379/0");
    assertThatThrownBy(() -> new BudgetManager("p", "hosted", null)).hasMessageContaining("api_base");
    assertThatThrownBy(() -> new BudgetManager(" ", "memory", null)).hasMessageContaining("projectName");
    assertThat(manager.getCurrentCost("nobody")).isZero();
  }

  @Test
  void anUnknownModelIsChargedNothingUnderTheDefaultPolicyButNeverSilently() {
    BigDecimal cost = manager.updateCost(Usage.of("my-private-finetune-xyz", 1000, 1000), "nina");
    assertThat(cost).isZero();
    assertThat(manager.getModelCost("nina")).isEmpty();
  }
}
