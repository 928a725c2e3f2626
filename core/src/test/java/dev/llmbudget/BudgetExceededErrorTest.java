package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class BudgetExceededErrorTest {

  static BigDecimal usd(String s) {
    return new BigDecimal(s);
  }

  @Test
  void aCallThatWouldNotFitSaysSoWithSpentAndReservedApart() {
    BudgetExceededError e = new BudgetExceededError("alice", usd("0.00055"), usd("0.0002"), usd("0.0012"),
        usd("0.00052"), "max_tokens 800");

    assertThat(e.getMessage()).isEqualTo("LLM budget of user 'alice' would be exceeded: spent $0.00055"
        + " + reserved $0.0002 of $0.0012; this call may cost up to $0.00052 (max_tokens 800)");
    assertThat(e.user()).contains("alice");
    assertThat(e.isGlobal()).isFalse();
    assertThat(e.isUsedUp()).isFalse();
    assertThat(e.spent()).isEqualByComparingTo("0.00055");
    assertThat(e.reserved()).isEqualByComparingTo("0.0002");
    assertThat(e.limit()).isEqualByComparingTo("0.0012");
    assertThat(e.callReservation()).isEqualByComparingTo("0.00052");
    assertThat(e.currentCost()).isEqualByComparingTo("0.00055");
    assertThat(e.budget()).isEqualByComparingTo("0.0012");
  }

  @Test
  void aBudgetThatIsUsedUpSaysThatInstead() {
    BudgetExceededError e = new BudgetExceededError(null, usd("0.0021"), usd("0.0001"), usd("0.002"),
        usd("0.0003"), null);

    assertThat(e.getMessage()).isEqualTo("Global LLM budget is used up: spent $0.0021 of $0.002");
    assertThat(e.isGlobal()).isTrue();
    assertThat(e.user()).isEmpty();
    assertThat(e.isUsedUp()).isTrue();
  }

  @Test
  void withoutANoteOrACostTheMessageEndsAtTheLimit() {
    assertThat(new BudgetExceededError(null, usd("0.5"), usd("0.4"), usd("1"), usd("0.2"), null).getMessage())
        .isEqualTo("Global LLM budget would be exceeded: spent $0.5 + reserved $0.4 of $1; this call may cost up to $0.2");
    assertThat(new BudgetExceededError(usd("0.5"), usd("1"), "bob", BigDecimal.ZERO).getMessage())
        .isEqualTo("LLM budget of user 'bob' would be exceeded: spent $0.5 + reserved $0 of $1");
    assertThat(new BudgetExceededError(usd("1.00"), usd("1"), "bob", usd("0.1")).getMessage())
        .isEqualTo("LLM budget of user 'bob' is used up: spent $1 of $1");
  }

  @Test
  void aSubclassCanRefuseForAnotherReason() {
    class Unavailable extends BudgetExceededError {
      Unavailable(String message, Throwable cause) {
        super(message, cause);
      }
    }
    IllegalStateException cause = new IllegalStateException("store file is corrupt");

    BudgetExceededError e = new Unavailable("LLM budget cannot be checked: store file is corrupt", cause);

    assertThat(e.getMessage()).isEqualTo("LLM budget cannot be checked: store file is corrupt");
    assertThat(e.getCause()).isSameAs(cause);
    assertThat(e.spent()).isNull();
    assertThat(e.isUsedUp()).isFalse();
  }
}
