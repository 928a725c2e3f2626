package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.agent.instrumentation.meter.CapRewriter;
import java.io.IOException;

/** Where each endpoint's request carries its output cap, and how a lower one is written there. */
final class RequestCaps {

  /** Extended thinking's least budget; Anthropic refuses a smaller one. */
  private static final long MIN_THINKING_BUDGET = 1024;

  private RequestCaps() {}

  /**
   * {@code body} with {@code cap} as its output cap. Chat completions keep the field the caller
   * used and otherwise get {@code max_completion_tokens}, which also bounds a reasoning model's
   * reasoning. Anthropic's thinking budget counts inside {@code max_tokens} and must stay below it,
   * so it is lowered with the cap (to no less than Anthropic's minimum of 1024).
   */
  static byte[] withCap(Endpoint endpoint, byte[] body, long cap) throws IOException {
    switch (endpoint) {
      case CHAT_COMPLETIONS:
        return CapRewriter.withCap(body, cap, "max_completion_tokens", "max_tokens");
      case COMPLETIONS:
        return CapRewriter.withCap(body, cap, "max_tokens");
      case RESPONSES:
        return CapRewriter.withCap(body, cap, "max_output_tokens");
      case MESSAGES:
        byte[] capped = CapRewriter.withCap(body, cap, "max_tokens");
        long thinking = CapRewriter.valueOf(capped, "thinking.budget_tokens");
        if (thinking >= cap) {
          capped = CapRewriter.withCap(capped, Math.max(MIN_THINKING_BUDGET, cap - 1), "thinking.budget_tokens");
        }
        return capped;
      default:
        throw new IOException(endpoint + " requests have no output cap");
    }
  }
}
