package dev.llmbudget.pricing;

import dev.llmbudget.BudgetExceededError;

/**
 * A call named a model that the price table cannot price, and the unknown-model policy is
 * {@code block}. The message says which table was searched and how to fix it. It is a {@link
 * BudgetExceededError} because it is a refusal: the budget cannot tell what the call would cost,
 * and the agent lets only budget refusals escape into the host.
 */
public final class UnknownModelException extends BudgetExceededError {
  private static final long serialVersionUID = 1L;

  private final String model;

  public UnknownModelException(String model, String tableSource) {
    super("Model '" + model + "' is not in the price table (" + tableSource + "). Point "
        + "llmbudget.prices at a newer or your own table (a path or URL in LiteLLM's "
        + "model_prices_and_context_window.json format), price it as a model the table has with "
        + "llmbudget.model_aliases=" + model + ":<model in the table>, or set "
        + "llmbudget.unknown_model=warn or allow to let unpriced calls through.", null);
    this.model = model;
  }

  /** The model name as the call gave it. */
  public String model() {
    return model;
  }
}
