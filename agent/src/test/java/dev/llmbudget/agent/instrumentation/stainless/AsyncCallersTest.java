package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AsyncCallersTest {

  private final AsyncCallers callers = new AsyncCallers();

  @Test
  void aLiveRequestKeepsItsUserHoweverManyOthersArePending() {
    List<Object> pending = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      Object request = new Object();
      pending.add(request);
      callers.remember(request, "ghost");
    }
    Object live = new Object();
    callers.remember(live, "alice");

    assertThat(callers.take(live)).isEqualTo("alice");
    assertThat(callers.take(live)).as("taken once").isNull();
    assertThat(callers.take(pending.get(0))).isEqualTo("ghost");
  }

  @Test
  void requestsPreparedButDroppedUnsentAreForgotten() throws Exception {
    for (int i = 0; i < 20_000; i++) {
      callers.remember(new Object(), "ghost");
    }
    for (int i = 0; i < 50 && callers.size() > 0; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(callers.size()).isZero();

    Object live = new Object();
    callers.remember(live, "");
    assertThat(callers.take(live)).as("\"\" is a caller without a user, not no caller").isEmpty();
  }

  @Test
  void requestsAreToldApartByIdentityNotEquality() {
    String a = new String("same");
    String b = new String("same");
    callers.remember(a, "alice");
    assertThat(callers.take(b)).isNull();
    assertThat(callers.take(a)).isEqualTo("alice");
  }
}
