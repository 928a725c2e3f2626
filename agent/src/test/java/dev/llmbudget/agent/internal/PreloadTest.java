package dev.llmbudget.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm-up's list of the first call's classes names classes that exist: a rename shows here. */
class PreloadTest {

  @Test
  void everyClassTheWarmUpLoadsExists() {
    List<String> missing = new ArrayList<>();
    for (String name : Preload.names()) {
      try {
        Class.forName(name, false, Preload.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        missing.add(name);
      }
    }
    assertThat(Preload.names()).hasSizeGreaterThan(50).doesNotHaveDuplicates();
    assertThat(missing).isEmpty();
  }
}
