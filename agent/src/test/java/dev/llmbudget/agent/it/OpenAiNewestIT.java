package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;

/** openai-java 4.x, as on the test class path. */
class OpenAiNewestIT extends SdkAgentContract {
  @Override
  String sdk() {
    return "openai";
  }

  @Override
  String model() {
    return OpenAiCalls.MODEL;
  }

  @Override
  String classPath() {
    return ChildClassPath.newest();
  }

  @Override
  String llmPath() {
    return "/v1/chat/completions";
  }

  @Override
  void reportCacheTokens(FakeLlmServer server) {
    server.cache(4, 0).reasoning(3);
  }

  @Override
  Usage reportedUsage() {
    return new Usage(model(), 20, 10, 4, 0, 0, 3, false);
  }

  @Override
  String[] otherExactCalls() {
    // a stream without stream options: the agent asks for its usage, so it is charged exactly too
    return new String[] {"raw", "stream-nousage"};
  }

  @Override
  String capField() {
    return "max_completion_tokens";
  }

  /**
   * A reasoning model's stream whose app asked for no usage, as openai-java's {@code
   * createStreaming} sends it by default: the agent asks for the usage, so the call is charged what
   * the provider reports, its 450 hidden reasoning tokens included (an estimate from the visible
   * text saw 7 tokens), and hides that usage chunk from the app, whose loops over {@code
   * choices().get(0)} (blocking and async) get every piece of text; an app that asked for the
   * usage chunk still gets it. With {@code llmbudget.stream_usage=estimate} the stream is estimated, as before.
   */
  @org.junit.jupiter.api.Test
  void aReasoningStreamThatAskedNoUsageIsChargedItsReportedUsageAndTheAppSeesNoUsageChunk() throws Exception {
    server.usage(20, 500).reasoning(450);
    // erin's $0.01 cannot pay for gpt-5-mini's 128,000 output tokens: clamp writes a cap into the
    // same request the agent asks the usage of
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,output_reserve=clamp,user.budgets=erin:0.01")
        .jvmArg("-Dit.model=gpt-5-mini"), 0, "stream-nousage@alice", "async-stream-nousage@bob", "stream@carol",
        "stream-nousage@erin");

    for (String step : new String[] {"stream-nousage@alice", "async-stream-nousage@bob", "stream@carol",
        "stream-nousage@erin"}) {
      assertThat(r.step(step)).as(step).isEqualTo("OK");
    }
    assertThat(server.bills()).filteredOn(b -> b.cap() < modelMaxOutput("gpt-5-mini")).singleElement().satisfies(b -> {
      assertThat(b.capField()).isEqualTo("max_completion_tokens");
      assertThat(b.cap()).isBetween(500L, 5_000L);
    });
    assertThat(r.value("STREAMED sync ")).isEqualTo("Hello from the fake LLM server.");
    assertThat(r.value("STREAMED async ")).isEqualTo("Hello from the fake LLM server.");
    java.math.BigDecimal reported = price(new Usage("gpt-5-mini", 20, 500, 0, 0, 0, 450, false));
    for (String user : new String[] {"alice", "bob", "carol", "erin"}) {
      assertThat(r.spent(user)).as(user).isEqualByComparingTo(reported);
    }
    assertThat(server.requests(llmPath())).isEqualTo(4);

    // llmbudget.stream_usage=estimate (for a server that rejects stream_options): sent as the app
    // made it, charged the estimate of before (its prompt and visible text), far below the usage.
    ChildJvm.Result estimated = run(child().agentArgs("store=memory,max_budget=10,stream_usage=estimate")
        .jvmArg("-Dit.model=gpt-5-mini"), 0, "stream-nousage@dave");
    assertThat(estimated.step("stream-nousage@dave")).isEqualTo("OK");
    assertThat(estimated.value("STREAMED sync ")).isEqualTo("Hello from the fake LLM server.");
    assertThat(estimated.spent("dave")).isPositive().isLessThan(price(Usage.of("gpt-5-mini", 40, 20)));
  }

  /**
   * A server that rejects unknown fields (here as Azure OpenAI before api-version 2024-09-01-preview
   * answers) fails the stream_options the agent adds with 400: the agent sends the app's request
   * again as the app made it (with the cap clamp wrote), so erin's stream works as it does without
   * the agent, charged an estimate within her budget; the host is learned, so bob's async stream goes
   * out once, as the app made it. carol's own stream_options are hers: their 400 is not retried.
   */
  @org.junit.jupiter.api.Test
  void aStreamWhoseServerRejectsStreamOptionsIsSentAgainWithoutThemAndEstimated() throws Exception {
    server.usage(20, 500).reasoning(450).rejectStreamOptions(400);
    try {
      ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,output_reserve=clamp,user.budgets=erin:0.01")
          .jvmArg("-Dit.model=gpt-5-mini").systemProperty("llmbudget.test.check_reservations", "true"), 0,
          "stream-nousage@erin", "async-stream-nousage@bob", "stream@carol");

      assertThat(r.step("stream-nousage@erin")).isEqualTo("OK");
      assertThat(r.step("async-stream-nousage@bob")).isEqualTo("OK");
      assertThat(r.step("stream@carol")).startsWith("ERROR").contains("400");
      assertThat(r.value("STREAMED sync ")).isEqualTo("Hello from the fake LLM server.");
      assertThat(r.value("STREAMED async ")).isEqualTo("Hello from the fake LLM server.");
      // erin's stream twice (rejected, then as the app made it), bob's and carol's once each
      assertThat(server.requests(llmPath())).isEqualTo(4);
      assertThat(server.streamOptionsRejected()).as("erin's asked, carol's own").isEqualTo(2);
      assertThat(server.bills()).filteredOn(b -> b.cap() < modelMaxOutput("gpt-5-mini")).singleElement()
          .satisfies(b -> assertThat(b.cap()).isBetween(500L, 5_000L));
      java.math.BigDecimal reported = price(new Usage("gpt-5-mini", 20, 500, 0, 0, 0, 450, false));
      for (String user : new String[] {"erin", "bob"}) {
        assertThat(r.spent(user)).as(user).isPositive().isLessThan(reported);
      }
      assertThat(r.spent("erin")).isLessThanOrEqualTo(new java.math.BigDecimal("0.01"));
      assertThat(r.spent("carol")).isZero();
      assertThat(r.output()).contains("http://127.0.0.1:" + server.baseUrl().replaceAll(".*:", "") + " rejects stream_options")
          .doesNotContain("LLMBUDGET RESERVATION EXCEEDED");
    } finally {
      server.rejectStreamOptions(0);
    }
  }

  /**
   * One high-detail image on gpt-4o-mini may bill 48,169 input tokens ($0.0072): a budget of $0.001
   * pays for the text of the call many times over, not for its image, so the call is refused before
   * anything is sent, naming the image; the same call without the image goes out.
   */
  @org.junit.jupiter.api.Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,user.max_budget=0.001")
        .systemProperty("llmbudget.test.check_reservations", "true"), 100, "image@alice", "image-text@alice");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("IMAGE REFUSAL ")).contains("incl. 1 image (48,169 tokens)");
    assertThat(r.step("image-text@alice")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).as("only the call without the image reached the server").isEqualTo(1);
    assertThat(r.spent("alice")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
    assertThat(r.output()).doesNotContain("LLMBUDGET RESERVATION EXCEEDED");
  }

  /**
   * A {@code file} part naming an uploaded PDF by id is a few bytes that may bill gpt-4o-mini's whole
   * context window, 128,000 input tokens ($0.0192): a budget of $0.01 pays for the text of the call
   * many times over, not for the file, so the call is refused before anything is sent, naming the
   * part; a budget of $0.05 pays for the window, so the same call goes out and is charged the usage
   * the server reports.
   */
  @org.junit.jupiter.api.Test
  void aCallWhoseFileTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,user.budgets=alice:0.01;bob:0.05")
        .systemProperty("llmbudget.test.check_reservations", "true"), 100, "file@alice", "file@bob");

    assertThat(r.step("file@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("FILE REFUSAL ")).contains("max_tokens 100, incl. 1 file/audio part (up to 128,000 tokens)");
    assertThat(r.step("file@bob")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("alice")).isZero();
    assertThat(r.spent("bob")).isEqualByComparingTo(price(Usage.of(model(), 20, 10)));
    assertThat(r.output()).doesNotContain("LLMBUDGET RESERVATION EXCEEDED");
  }

  /**
   * A gpt-5.4 image at {@code detail: original} may bill 12,000 input tokens ($0.03): a budget of
   * $0.01 pays for the same call at {@code detail: auto} (at most 1,844 tokens), which goes out, not
   * for the original one, which is refused before it is sent, naming its image's bound.
   */
  @org.junit.jupiter.api.Test
  void anImageAtDetailOriginalIsBoundedAtItsTenThousandPatches() throws Exception {
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10,user.max_budget=0.01")
        .systemProperty("llmbudget.test.check_reservations", "true"), 100, "image-original@alice", "image-auto@alice");

    assertThat(r.step("image-original@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("IMAGE REFUSAL ")).contains("incl. 1 image (12,000 tokens)");
    assertThat(r.step("image-auto@alice")).isEqualTo("OK");
  }

  /**
   * A call that asks for priority processing, answered by the priority tier, is charged gpt-4o-mini's
   * priority rates, blocking and streamed: 20 x 2.5e-7 + 10 x 1e-6 = $0.000015 each (the standard
   * rates would make it $0.000009).
   */
  @org.junit.jupiter.api.Test
  void callsServedAtThePriorityTierAreChargedItsPrice() throws Exception {
    server.serviceTier("priority");
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100, "priority@alice",
        "priority-stream@alice");

    assertThat(r.step("priority@alice")).isEqualTo("OK");
    assertThat(r.step("priority-stream@alice")).isEqualTo("OK");
    assertThat(r.spent("alice")).isEqualByComparingTo("0.000030");
    assertThat(server.requests(llmPath())).isEqualTo(2);

    // and it is reserved at priority rates: $0.0001 pays for the call at standard rates (at most
    // $0.0000645 reserved: ~30 prompt tokens at $0.15/M and 100 output at $0.60/M), not at priority
    // ones (at least $0.0001025), so the priority request is refused before it is sent
    ChildJvm.Result small = run(child().agentArgs("store=memory,max_budget=10,user.max_budget=0.0001")
        .systemProperty("llmbudget.test.check_reservations", "true"), 100, "priority@bob", "sync@carol");
    assertThat(small.step("priority@bob")).isEqualTo("BLOCKED user:bob");
    assertThat(small.step("sync@carol")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).isEqualTo(3);
  }

  /**
   * gpt-4o-audio-preview answering in audio, blocking and streamed, each answer reporting 12 of its
   * 20 prompt tokens and 6 of its 10 completion tokens as audio, is charged the audio rates: 8 x
   * 2,500,000 + 12 x 40,000,000 + 4 x 10,000,000 + 6 x 80,000,000 = 1,020,000,000 picodollars a call
   * (at the text rates it would be 150,000,000).
   */
  @org.junit.jupiter.api.Test
  void audioTokensOfAnAnswerAreChargedAtTheAudioPrices() throws Exception {
    server.audio(12, 6);
    ChildJvm.Result r = run(child().agentArgs("store=memory,max_budget=10"), 100, "audio@alice",
        "audio-stream@alice");

    assertThat(r.step("audio@alice")).isEqualTo("OK");
    assertThat(r.step("audio-stream@alice")).isEqualTo("OK");
    assertThat(dev.llmbudget.store.Picodollars.of(r.spent("alice"))).isEqualTo(2 * 1_020_000_000L);
    assertThat(server.requests(llmPath())).isEqualTo(2);
  }
}
