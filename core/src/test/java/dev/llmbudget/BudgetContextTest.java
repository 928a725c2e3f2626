package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class BudgetContextTest {

  @AfterEach
  void clearMdc() {
    MDC.clear();
  }

  @Test
  void runBindsAndNestingRestoresTheOuterUser() throws Exception {
    assertThat(BudgetContext.currentUser()).isNull();
    BudgetContext.run("outer", () -> {
      assertThat(BudgetContext.currentUser()).isEqualTo("outer");
      BudgetContext.run("inner", () -> assertThat(BudgetContext.currentUser()).isEqualTo("inner"));
      assertThat(BudgetContext.currentUser()).isEqualTo("outer");
    });
    assertThat(BudgetContext.currentUser()).isNull();
    assertThat(BudgetContext.call("x", BudgetContext::currentUser)).isEqualTo("x");
  }

  @Test
  void aFailingTaskStillRestoresTheBinding() {
    assertThatThrownBy(() -> BudgetContext.run("u", () -> {
      throw new IllegalStateException("boom");
    })).hasMessage("boom");
    assertThat(BudgetContext.currentUser()).isNull();
  }

  @Test
  void theMdcIsTheFallbackAndTheBindingWins() {
    MDC.put("userId", "from-mdc");
    assertThat(BudgetContext.currentUser()).isEqualTo("from-mdc");
    BudgetContext.run("bound", () -> assertThat(BudgetContext.currentUser()).isEqualTo("bound"));
    assertThat(BudgetContext.boundUser()).isNull();
  }

  @Test
  void wrappersCarryTheUserToOtherThreads() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Executor wrapped = BudgetContext.wrap(pool);
      CompletableFuture<String> seen = new CompletableFuture<>();
      BudgetContext.run("carried", () -> wrapped.execute(() -> seen.complete(BudgetContext.currentUser())));
      assertThat(seen.get()).isEqualTo("carried");
      String viaCallable = BudgetContext.call("c2", () -> pool.submit(BudgetContext.wrap(BudgetContext::currentUser))).get();
      assertThat(viaCallable).isEqualTo("c2");
      assertThat(pool.submit(BudgetContext::currentUser).get()).isNull();
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void blankUsersAreRefused() {
    assertThatThrownBy(() -> BudgetContext.run(" ", () -> {})).hasMessageContaining("non-blank");
    assertThatThrownBy(() -> BudgetContext.run(null, () -> {})).hasMessageContaining("null");
  }
}
