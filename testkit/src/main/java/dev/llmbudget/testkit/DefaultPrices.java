package dev.llmbudget.testkit;

import dev.llmbudget.Usage;
import dev.llmbudget.pricing.PriceTable;
import java.math.BigDecimal;

/**
 * What the bundled price table charges for a usage: the exact amount an IT expects the agent to have
 * charged, compared as a BigDecimal, never a double.
 */
public final class DefaultPrices {

  private DefaultPrices() {
  }

  /** The default table's cost of {@code usage}; fails if the table has no price for its model. */
  public static BigDecimal price(Usage usage) {
    return PriceTable.defaultTable().resolve(usage.model())
        .orElseThrow(() -> new AssertionError("no price for " + usage.model() + " in the default table"))
        .cost(usage);
  }

  /** The default table's cost of {@code input} prompt and {@code output} completion tokens of {@code model}. */
  public static BigDecimal price(String model, long input, long output) {
    return price(Usage.of(model, input, output));
  }
}
