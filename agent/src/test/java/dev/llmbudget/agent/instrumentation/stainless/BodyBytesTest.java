package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyBytesTest {

  @Test
  void aBodyWrittenWholeInOneWriteIsKeptAsItsOwnArray() {
    byte[] serialized = "{\"model\":\"gpt-4o\"}".getBytes(StandardCharsets.UTF_8);
    BodyBytes out = new BodyBytes();
    out.write(serialized, 0, serialized.length);
    assertThat(out.bytes()).isSameAs(serialized);
  }

  @Test
  void anyOtherWritesAreCopiedInOrderAndNeverChangeTheWritersArray() {
    byte[] first = "{\"a\":".getBytes(StandardCharsets.UTF_8);
    BodyBytes out = new BodyBytes();
    out.write(first, 0, first.length);
    out.write('1');
    byte[] buffer = "xx}yy".getBytes(StandardCharsets.UTF_8);
    out.write(buffer, 2, 1);
    assertThat(new String(out.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
    assertThat(new String(first, StandardCharsets.UTF_8)).isEqualTo("{\"a\":");
    assertThat(new BodyBytes().bytes()).isEmpty();
  }
}
