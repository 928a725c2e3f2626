package dev.llmbudget.testkit;

import dev.llmbudget.Usage;
import java.math.BigDecimal;
import java.util.List;

/**
 * The checks every SDK family's hard-cap IT makes: eight threads of requests without an output cap
 * against a budget of a few answers, with the agent's reservation check on ({@link #CHECK}).
 */
public final class HardCaps {

  /** The agent's test-only switch: a charge above its reservation is printed as {@link #EXCEEDED}. */
  public static final String CHECK = "llmbudget.test.check_reservations";
  public static final String EXCEEDED = "LLMBUDGET RESERVATION EXCEEDED";

  private HardCaps() {
  }

  /** What {@code answers} answers of {@code output} tokens to a 40-token prompt cost at the default prices. */
  public static BigDecimal budgetOf(String model, String answers, long output) {
    return DefaultPrices.price(Usage.of(model, 40, output)).multiply(new BigDecimal(answers));
  }

  /** The {@code ok=} count of a {@code <n>x<action>} step's result. */
  public static int ok(String concurrentResult) {
    return Integer.parseInt(concurrentResult.replaceAll(".*ok=(\\d+).*", "$1"));
  }

  /**
   * Fails unless the run kept the budget: no error among the threads, no charge above its
   * reservation, the global spend and what the fake billed (priced as {@code model}) within
   * {@code budget}, and the spend equal to what the fake billed.
   */
  public static void assertHeld(ChildJvm.Result r, String concurrentStep, FakeLlmServer server, String model,
      BigDecimal budget) {
    String result = r.step(concurrentStep);
    check(result != null && result.endsWith("errors=[]"), "threads failed: " + result + "\n" + r.output());
    check(!r.output().contains(EXCEEDED), "a charge exceeded its reservation:\n" + r.output());
    BigDecimal spent = r.spent("global");
    check(spent.compareTo(budget) <= 0, "spent " + spent + " of a budget of " + budget);
    BigDecimal billed = BigDecimal.ZERO;
    for (FakeLlmServer.Bill bill : server.bills()) {
      billed = billed.add(DefaultPrices.price(Usage.of(model, bill.input(), bill.output())));
    }
    check(billed.compareTo(spent) == 0, "the provider billed " + billed + " but the agent charged " + spent);
  }

  /**
   * Fails unless every request the fake saw carried its cap in {@code capField} (the agent wrote
   * it), some were clamped below {@code modelMax}, and the most the fake could have billed for all
   * of them, every cap used up, stays within {@code budget}.
   */
  public static void assertClamped(FakeLlmServer server, String capField, long modelMax, String model,
      BigDecimal budget) {
    List<FakeLlmServer.Bill> bills = server.bills();
    check(!bills.isEmpty(), "no request reached the provider");
    BigDecimal couldBill = BigDecimal.ZERO;
    boolean clamped = false;
    for (FakeLlmServer.Bill bill : bills) {
      check(capField.equals(bill.capField()), "a request without the cap in " + capField + ": " + bill);
      clamped |= bill.cap() < modelMax;
      couldBill = couldBill.add(DefaultPrices.price(Usage.of(model, bill.input(), bill.cap())));
    }
    check(clamped, "no request was clamped below " + modelMax + ": " + bills);
    check(couldBill.compareTo(budget) <= 0, "the provider could have billed " + couldBill + " of " + budget);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new AssertionError(message);
    }
  }
}
