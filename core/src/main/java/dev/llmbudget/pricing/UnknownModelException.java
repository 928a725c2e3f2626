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

  /** The message of a call that names no model, {@link #model()} null. */
  static final String NO_MODEL = "The call names no model (e.g. an OpenAI Responses call whose stored prompt "
      + "chooses it), so its cost cannot be bounded before it goes out. Name the model in the request, or set "
      + "llmbudget.unknown_model=warn or allow to let such calls through with nothing reserved; they are then "
      + "charged what their answers report, priced as the model each answer names.";

  public UnknownModelException(String model, String tableSource) {
    super(model == null ? NO_MODEL : "Model '" + model + "' is not in the price table (" + tableSource + "). Point "
        + "llmbudget.prices at a newer or your own table (a path or URL in LiteLLM's "
        + "model_prices_and_context_window.json format), price it as a model the table has with "
        + "llmbudget.model_aliases=" + model + ":<model in the table>, or set "
        + "llmbudget.unknown_model=warn or allow to let unpriced calls through.", null);
    this.model = model;
  }

  /** The model name as the call gave it; null when it named none. */
  public String model() {
    return model;
  }
}
