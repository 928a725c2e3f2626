package dev.llmbudget.it.genai;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import org.junit.jupiter.api.Test;

/** google-genai 2.0.0, the newest served. */
class GenAiNewestIT extends GenAiContract {
  @Override
  String classPath() {
    return ChildClassPath.newest();
  }

  /**
   * Gemini 2.5 bills an image by its size with no documented cap, so the agent reserves {@code
   * llmbudget.image_tokens} (4,096 by default, $0.0012 on gemini-2.5-flash) for each: a budget of
   * $0.0006 pays for the text of the call (its prompt and 100 output tokens, about $0.00027), not for
   * its inline image, so the call is refused before anything is sent, naming the image; under a
   * budget of $0.01 it goes out and is charged what the server reports. (The newest SDK only: one
   * child JVM.)
   */
  @Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.0006", 100, "budget:bob=0.01",
        "image@alice", "image@bob");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("REFUSAL image ")).contains("incl. 1 image (4,096 tokens)");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.step("image@bob")).isEqualTo("OK");
    assertThat(server.totalRequests()).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("bob")).isEqualByComparingTo(price(plainUsage()));
  }
}
