package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What "a host" is when the agent remembers that it rejects {@code stream_options}. */
class StreamOptionHostsTest {

  @Test
  void aHostIsItsSchemeHostAndPortWhateverThePathOrCase() {
    assertThat(StreamOptionHosts.hostKey("https://My-Res.openai.azure.com/openai/deployments/gpt-4o"))
        .isEqualTo("https://my-res.openai.azure.com:443");
    assertThat(StreamOptionHosts.hostKey("https://my-res.openai.azure.com:443/openai/deployments/other"))
        .isEqualTo("https://my-res.openai.azure.com:443");
    assertThat(StreamOptionHosts.hostKey("http://127.0.0.1:8080/v1")).isEqualTo("http://127.0.0.1:8080");
    assertThat(StreamOptionHosts.hostKey("http://127.0.0.1/v1")).isEqualTo("http://127.0.0.1:80");
    assertThat(StreamOptionHosts.hostKey("https://api.mistral.ai/v1"))
        .isNotEqualTo(StreamOptionHosts.hostKey("http://api.mistral.ai/v1"));
  }

  @Test
  void aBaseUrlThatIsNoUrlHasNoHostSoNothingIsLearned() {
    assertThat(StreamOptionHosts.hostKey("not a url")).isNull();
    assertThat(StreamOptionHosts.hostKey("/v1")).isNull();
  }
}
