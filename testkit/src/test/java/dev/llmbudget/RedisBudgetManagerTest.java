package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.testkit.RedisServer;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code new BudgetManager(project, "redis", url)} as a library user writes it: two managers stand
 * for two JVMs of a fleet and see each other's budgets, spend and resets at once.
 */
class RedisBudgetManagerTest {

  static RedisServer server;
  static String url;

  @BeforeAll
  static void startRedis() throws Exception {
    url = RedisServer.externalUrl();
    if (url == null) {
      server = RedisServer.start();
      url = server.url();
    }
  }

  @AfterAll
  static void stopRedis() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyManagerMethodWorksOnRedisAndTwoManagersShareOneBudget() {
    String project = "manager-" + ProcessHandle.current().pid();
    BudgetManager a = new BudgetManager(project, "redis", url);
    // another URL spelling of the same server: a second store object, as in another JVM
    BudgetManager b = new BudgetManager(project, "redis", url.replace("/0", ""));

    a.createBudget(new BigDecimal("1.00"), "alice", "monthly", Instant.now());
    assertThat(b.getTotalBudget("alice")).isEqualByComparingTo("1.00");
    assertThat(b.getUsers()).contains("alice");
    assertThat(b.isValidUser("alice")).isTrue();

    try (Reservation r = b.reserve("alice", new BigDecimal("0.70"))) {
      assertThatThrownBy(() -> a.reserve("alice", new BigDecimal("0.40")))
          .isInstanceOf(BudgetExceededError.class);
      r.commit(new BigDecimal("0.60"), "gpt-4o");
    }
    a.reserve("alice", new BigDecimal("0.40")).commit(new BigDecimal("0.25"), "claude-3");

    assertThat(b.getCurrentCost("alice")).isEqualByComparingTo("0.85");
    assertThat(b.getModelCost("alice")).containsOnlyKeys("gpt-4o", "claude-3");
    assertThat(b.getModelCost("alice").get("gpt-4o")).isEqualByComparingTo("0.60");

    b.resetCost("alice");
    assertThat(a.getCurrentCost("alice")).isZero();
    a.updateBudgetAllUsers();
    assertThat(a.snapshot("alice").reserved()).isZero();
  }
}
