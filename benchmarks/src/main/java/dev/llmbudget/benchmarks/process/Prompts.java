package dev.llmbudget.benchmarks.process;

/** The two prompts of issue 5: about 200 and about 30,000 tokens of English prose. */
final class Prompts {
  /** ~200 tokens (o200k_base): English prose runs at about 4.8 bytes a token. */
  static final String SHORT = dev.llmbudget.benchmarks.EnglishText.ofBytes(960);
  /** ~30,000 tokens. */
  static final String LONG = dev.llmbudget.benchmarks.EnglishText.ofBytes(144_000);

  private Prompts() {}
}
