package dev.llmbudget.agent.instrumentation.springai;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.internal.Log;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A stream of a model whose SDK client the agent meters itself: nothing is charged here, but a
 * budget refusal that the async SDK reports inside a {@link CompletionException} (Spring AI 2.x's
 * OpenAI model passes it on so) reaches the subscriber as the {@link BudgetExceededError} itself,
 * as it does for every other model.
 */
final class MeteredBelowStream {

  private final Object model;

  MeteredBelowStream(Object model) {
    this.model = model;
  }

  Object unwrapBudgetErrors(Object flux) {
    try {
      return ReactorFlux.of(model).onErrorMap(flux, MeteredBelowStream::unwrap);
    } catch (Throwable t) {
      Log.warnOnce("springai-unwrap:" + t.getClass().getName(), "llm-budget: could not unwrap budget errors of a "
          + "Spring AI stream (" + t + "); they may arrive wrapped in CompletionException", t);
      return flux;
    }
  }

  static Throwable unwrap(Throwable t) {
    Throwable cause = t.getCause();
    if ((t instanceof CompletionException || t instanceof ExecutionException) && cause instanceof BudgetExceededError) {
      return cause;
    }
    return t;
  }
}
