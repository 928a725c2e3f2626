package dev.llmbudget.it.genai;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.GeminiApi;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** google-genai: Gemini API key, endpoint override to the fake server. */
abstract class GenAiContract extends AgentContract {

  @Override
  String sdk() {
    return "genai";
  }

  @Override
  String llmPath() {
    return GeminiApi.generatePath(GenAiCalls.API_VERSION, GenAiCalls.MODEL);
  }

  @Override
  String streamPath() {
    return GeminiApi.streamPath(GenAiCalls.API_VERSION, GenAiCalls.MODEL);
  }

  /** 20 plain input + 4 cached, 10 output of which 3 thoughts: Gemini reports 24 prompt, 7 candidates, 3 thoughts. */
  @Override
  Usage reportedUsage() {
    return new Usage(GenAiCalls.MODEL, 20, 10, 4, 0, 0, 3, false);
  }

  @Override
  String reservedModel() {
    return GenAiCalls.MODEL;
  }

  @Override
  String capField() {
    return "generationConfig.maxOutputTokens";
  }

  @Override
  Usage plainUsage() {
    return Usage.of(GenAiCalls.MODEL, 20, 10);
  }

  @Override
  String[] exactSteps() {
    return new String[] {"sync@alice", "async@alice", "stream@alice", "asyncstream@alice"};
  }

  @Test
  void anAsyncCallIsChargedToTheCallerAndRefusedTheWayTheSdkReportsFailures() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.000001", 100,
        "budget:dave=1", "async@dave", "async@erin", "asyncstream@erin");

    assertThat(r.step("async@dave")).isEqualTo("OK");
    assertThat(r.spent("dave")).isEqualByComparingTo(price(plainUsage()));
    assertThat(r.step("async@erin")).isEqualTo("BLOCKED user:erin");
    assertThat(r.step("asyncstream@erin")).isEqualTo("BLOCKED user:erin");
    assertThat(r.spent("erin")).isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(server.totalRequests()).isEqualTo(1);
  }

  /**
   * A Gemini answer whose usage names 12 of its 20 prompt tokens and 6 of its 10 candidates' tokens
   * AUDIO, blocking and streamed, is charged gemini-2.5-flash's audio input rate (its table entry has
   * no output audio rate, so audio out pays the output rate): 8 x 300,000 + 12 x 1,000,000 + 10 x
   * 2,500,000 = 39,400,000 picodollars a call (31,000,000 at the text rates).
   */
  @Test
  void audioInTheAnswersUsageIsChargedAtTheAudioRate() throws Exception {
    server.audio(12, 6);
    ChildJvm.Result r = run("store=memory,max_budget=10", 100, "sync@alice", "stream@alice");

    assertThat(r.step("sync@alice")).isEqualTo("OK");
    assertThat(r.step("stream@alice")).isEqualTo("OK");
    assertThat(dev.llmbudget.store.Picodollars.of(r.spent("alice"))).isEqualTo(2 * 39_400_000L);
  }
}
