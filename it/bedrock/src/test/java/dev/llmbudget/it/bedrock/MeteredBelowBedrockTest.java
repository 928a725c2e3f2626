package dev.llmbudget.it.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.internal.MeteredBelow;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * A framework model holding the real Bedrock client types (as Spring AI's BedrockProxyChatModel and
 * LangChain4j's Bedrock models do) defers to the Bedrock seam, so a layered call is charged once.
 */
class MeteredBelowBedrockTest {

  /** The field shapes of Spring AI's BedrockProxyChatModel. */
  static final class ProxyChatModelShape {
    BedrockRuntimeClient bedrockRuntimeClient;
    BedrockRuntimeAsyncClient bedrockRuntimeAsyncClient;
  }

  static final class AsyncOnly {
    BedrockRuntimeAsyncClient client;
  }

  static final class Unrelated {
    String modelId;
  }

  @Test
  void aModelHoldingABedrockClientIsMeteredBelow() {
    assertThat(MeteredBelow.isMeteredBelow(new ProxyChatModelShape())).isTrue();
    assertThat(MeteredBelow.isMeteredBelow(new AsyncOnly())).isTrue();
    assertThat(MeteredBelow.isMeteredBelow(new Unrelated())).isFalse();
  }
}
