package dev.llmbudget.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.testkit.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.spi.ToolProvider;
import javax.tools.JavaCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build's guard for the class-loading rule of docs/agent.md: every class the agent jar puts on
 * the bootstrap class path (all {@code .class} entries; the isolated ones are {@code inst/**.classdata})
 * may reference only modules defined to the boot loader, and our own classes nothing missing. A
 * reference to {@code java.net.http} or {@code java.sql} there is a {@code NoClassDefFoundError}
 * waiting for the first call that needs it. Checked with the JDK's jdeps on the built jar.
 */
class BootClassPathIT {

  /**
   * Third-party references that jdeps reports but that cannot fail on the boot path: Jackson uses
   * its {@code java.sql} (de)serializers only for values of {@code java.sql} types, which nothing on
   * the boot path has; Byte Buddy's JSR-305 annotations and JNA injector are optional and never used.
   */
  static final Map<String, List<String>> ALLOWED = Map.of(
      "dev.llmbudget.shaded.jackson.databind.", List.of("java.sql"),
      "dev.llmbudget.shaded.bytebuddy.", List.of("not found"));

  @Test
  void theClassesOnTheBootstrapPathUseOnlyModulesOfTheBootLoader() throws Exception {
    assertThat(violations(ChildJvm.AGENT_JAR)).isEmpty();
  }

  @Test
  void theIsolatedClassesAreNotOnTheBootstrapPath() throws Exception {
    try (var jar = new java.util.jar.JarFile(ChildJvm.AGENT_JAR.toFile())) {
      assertThat(jar.getEntry("dev/llmbudget/isolated/http/JdkRemoteReader.class")).isNull();
      assertThat(jar.getEntry("inst/dev/llmbudget/isolated/http/JdkRemoteReader.classdata")).isNotNull();
      assertThat(jar.getEntry("META-INF/services/dev.llmbudget.internal.RemoteReader")).isNull();
      assertThat(jar.getEntry("inst/META-INF/services/dev.llmbudget.internal.RemoteReader")).isNotNull();
    }
  }

  /** The guard can fail: a boot class that names {@code java.net.http.HttpClient} is reported. */
  @Test
  void aBootClassThatUsesJavaNetHttpIsReported(@TempDir Path dir) throws Exception {
    Path src = Files.writeString(dir.resolve("Leak.java"),
        "package dev.llmbudget.store; public class Leak { Object c = java.net.http.HttpClient.newHttpClient(); }");
    JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, "-d", dir.toString(), src.toString())).isZero();
    Path jar = dir.resolve("leak.jar");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry("dev/llmbudget/store/Leak.class"));
      out.write(Files.readAllBytes(dir.resolve("dev/llmbudget/store/Leak.class")));
      out.closeEntry();
    }

    assertThat(violations(jar)).containsExactly(
        "dev.llmbudget.store.Leak -> java.net.http.HttpClient (java.net.http)");
  }

  static List<String> violations(Path jar) throws IOException {
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int rc = jdeps.run(new PrintWriter(out, true), new PrintWriter(OutputStream.nullOutputStream()),
        "--multi-release", "17", "--ignore-missing-deps", "-verbose:class", jar.toString());
    String text = out.toString();
    assertThat(rc).as(text).isZero();
    List<String> bad = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] t = line.trim().split("\\s+");
      if (!line.startsWith(" ") || t.length < 4 || !t[1].equals("->")) {
        continue;
      }
      String from = t[0];
      String to = t[2];
      String module = String.join(" ", List.of(t).subList(3, t.length));
      if (module.equals(jar.getFileName().toString()) || definedToBootLoader(module) || allowed(from, module)) {
        continue;
      }
      bad.add(from + " -> " + to + " (" + module + ")");
    }
    return bad;
  }

  private static boolean definedToBootLoader(String module) {
    return ModuleLayer.boot().findModule(module).map(m -> m.getClassLoader() == null).orElse(false);
  }

  private static boolean allowed(String from, String module) {
    return ALLOWED.entrySet().stream().anyMatch(e -> from.startsWith(e.getKey()) && e.getValue().contains(module));
  }
}
