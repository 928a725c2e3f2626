package dev.llmbudget.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entry point's decisions before anything loads: is the agent switched off (read as BudgetConfig
 * reads it), and how its jar reaches the bootstrap class path.
 */
class LlmBudgetAgentTest {

  @AfterEach
  void clear() {
    System.clearProperty("llmbudget.enabled");
  }

  @Test
  void anAgentArgumentWithOrWithoutPrefixAnyCaseSwitchesItOff() {
    assertThat(LlmBudgetAgent.disabled("store=memory,enabled=false")).isTrue();
    assertThat(LlmBudgetAgent.disabled("llmbudget.enabled= FALSE ,max_budget=5")).isTrue();
    assertThat(LlmBudgetAgent.disabled("store=memory")).isFalse();
    assertThat(LlmBudgetAgent.disabled(null)).isFalse();
    assertThat(LlmBudgetAgent.disabled("enabled=true")).isFalse();
    // Not "false": the configuration decides (a typo stops start-up with a message naming the key).
    assertThat(LlmBudgetAgent.disabled("enabled=no")).isFalse();
  }

  @Test
  void theAgentArgumentWinsOverTheSystemProperty() {
    System.setProperty("llmbudget.enabled", "false");
    assertThat(LlmBudgetAgent.disabled("store=memory")).isTrue();
    assertThat(LlmBudgetAgent.disabled("enabled=true")).isFalse();
  }

  /**
   * The JVM is handed our jar's path without our jar being opened in Java first (the JDK's small
   * jrt-fs.jar stands in under its name); when the bootstrap loader then does not see our classes,
   * as here where they are on the test's class path, our jar itself is opened and appended.
   */
  @Test
  void theJarGoesOnTheBootClassPathByNameAndIsOpenedOnlyWhenThatDidNotWork(@TempDir Path dir) throws IOException {
    File jar = dir.resolve("llm-budget-agent.jar").toFile();
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(jar.toPath()))) {
      out.putNextEntry(new ZipEntry("dev/llmbudget/agent/internal/AgentInstaller.class"));
      out.write(new byte[] {(byte) 0xca, (byte) 0xfe});
      out.closeEntry();
    }
    List<String> names = new ArrayList<>();
    List<Boolean> holdsOurClasses = new ArrayList<>();
    Instrumentation inst = (Instrumentation) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {Instrumentation.class}, (proxy, method, args) -> {
          if (!method.getName().equals("appendToBootstrapClassLoaderSearch")) {
            throw new UnsupportedOperationException(method.getName());
          }
          JarFile handed = (JarFile) args[0];
          names.add(handed.getName());
          holdsOurClasses.add(handed.getEntry("dev/llmbudget/agent/internal/AgentInstaller.class") != null);
          return null;
        });

    LlmBudgetAgent.BootClassPath.append(inst, jar);

    assertThat(names).containsExactly(jar.getPath(), jar.getPath());
    assertThat(holdsOurClasses).containsExactly(false, true);
    assertThat(LlmBudgetAgent.BootClassPath.sees("dev.llmbudget.agent.internal.AgentInstaller")).isFalse();
    assertThat(LlmBudgetAgent.BootClassPath.sees("java.lang.String")).isTrue();
  }
}
