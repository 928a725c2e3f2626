package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The one overflow rule every store applies: sums saturate, and a saturated sum never fits. */
class PicodollarsTest {

  @Test
  void sumsSaturateInsteadOfWrapping() {
    assertThat(Picodollars.saturatedAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
    assertThat(Picodollars.saturatedAdd(Long.MIN_VALUE, -1)).isEqualTo(Long.MIN_VALUE);
    assertThat(Picodollars.saturatedAdd(40, 2)).isEqualTo(42);
  }

  @Test
  void anAmountThatWouldOverflowNeverFitsAndASpentBudgetRefusesEvenZero() {
    assertThat(Picodollars.fits(10, 5, Long.MAX_VALUE, Long.MAX_VALUE - 1)).isFalse();
    assertThat(Picodollars.fits(100, 0, 0, 100)).isFalse();
    assertThat(Picodollars.fits(60, 30, 10, 100)).isTrue();
    assertThat(Picodollars.fits(60, 30, 11, 100)).isFalse();
  }

  /**
   * A cost finer than a picodollar is rounded up, never down to free; one that rounds up to exactly
   * the largest amount a long holds is that amount, and one a picodollar more is the clear error.
   */
  @Test
  void finerAmountsRoundUpToTheLargestSupportedAmountAndNoFurther() {
    assertThat(Picodollars.of(new BigDecimal("0.0000000000001"))).isEqualTo(1);
    assertThat(Picodollars.of(new BigDecimal("9223372.0368547758069"))).isEqualTo(Long.MAX_VALUE);
    assertThat(Picodollars.of(Picodollars.MAX_DOLLARS)).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> Picodollars.of(new BigDecimal("9223372.0368547758071")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond the largest supported amount");
  }
}
