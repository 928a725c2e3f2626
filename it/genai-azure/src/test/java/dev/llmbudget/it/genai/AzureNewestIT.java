package dev.llmbudget.it.genai;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import org.junit.jupiter.api.Test;

/** azure-ai-openai 1.0.0-beta.16, the newest. */
class AzureNewestIT extends AzureContract {
  @Override
  String classPath() {
    return ChildClassPath.newest();
  }

  /**
   * One high-detail image on a gpt-4o-mini deployment may bill 48,169 input tokens ($0.0072): a
   * budget of $0.001 pays for the text of the call many times over, not for its image, so the call is
   * refused before anything is sent, naming the image; under a budget of $0.01 it goes out and is
   * charged what the server reports. (The newest SDK only: one child JVM.)
   */
  @Test
  void aCallWhoseImageTheBudgetCannotPayForIsRefusedBeforeItIsSent() throws Exception {
    ChildJvm.Result r = run("store=memory,max_budget=10,user.max_budget=0.001", 100, "budget:bob=0.01",
        "image@alice", "image@bob");

    assertThat(r.step("image@alice")).isEqualTo("BLOCKED user:alice");
    assertThat(r.value("REFUSAL image ")).contains("incl. 1 image (48,169 tokens)");
    assertThat(r.spent("alice")).isZero();
    assertThat(r.step("image@bob")).isEqualTo("OK");
    assertThat(server.requests(llmPath())).as("only bob's call reached the server").isEqualTo(1);
    assertThat(r.spent("bob")).isEqualByComparingTo(price(plainUsage()));
  }
}
