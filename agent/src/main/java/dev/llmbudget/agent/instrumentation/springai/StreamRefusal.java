package dev.llmbudget.agent.instrumentation.springai;

/** A stream refused before the model was asked for it; its error becomes the returned Flux's failure. */
public final class StreamRefusal {
  final RuntimeException error;
  final Object model;

  StreamRefusal(RuntimeException error, Object model) {
    this.error = error;
    this.model = model;
  }
}
