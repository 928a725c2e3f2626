package dev.llmbudget.it.bedrock;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Starts a JVM with the agent attached, runs {@link BedrockApp} in it and collects what it prints. */
final class ChildJvm {

  static final Path AGENT_JAR = Path.of(System.getProperty("llmbudget.it.agentJar", "../../agent/target/llm-budget-agent.jar"));
  private static final List<String> TEST_CLASS_PATH = Arrays.asList(System.getProperty("surefire.test.class.path",
      System.getProperty("java.class.path")).split(File.pathSeparator));
  /** What a host application would not have: our own build and the test framework. */
  private static final List<String> NOT_THE_APP = List.of("/core/target/", "llm-budget-core", "/agent/target/",
      "llm-budget-agent", "/testkit/", "llm-budget-testkit", "byte-buddy", "junit", "opentest4j", "apiguardian",
      "assertj", "surefire", "failsafe");

  private final String classPath;
  private String agentArgs = "";

  private ChildJvm(String classPath) {
    this.classPath = classPath;
  }

  /** The test classes plus the newest SDK and its dependencies, as the test class path has them. */
  static ChildJvm newest() {
    return new ChildJvm(TEST_CLASS_PATH.stream().filter(ChildJvm::isApp).collect(Collectors.joining(File.pathSeparator)));
  }

  /** The test classes and the SDK class path written by {@code it/bedrock/oldest}. */
  static ChildJvm fromClassPathFile(String property) {
    try {
      String sdk = Files.readString(Path.of(System.getProperty(property))).trim();
      String own = TEST_CLASS_PATH.stream().filter(e -> e.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
      return new ChildJvm(own + File.pathSeparator + sdk);
    } catch (IOException e) {
      throw new IllegalStateException("no class path file for " + property + ": run mvn verify from the root", e);
    }
  }

  private static boolean isApp(String entry) {
    String e = entry.replace('\\', '/');
    return e.endsWith("it/bedrock/target/test-classes") || NOT_THE_APP.stream().noneMatch(e::contains);
  }

  ChildJvm agentArgs(String args) {
    this.agentArgs = args;
    return this;
  }

  Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    // CDS complains on stdout once the agent extends the bootstrap class path.
    cmd.add("-Xshare:off");
    cmd.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(BedrockApp.class.getName());
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("child JVM did not finish: " + cmd);
    }
    Result r = new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    System.out.println("---- child " + String.join(" ", args) + "\n" + r.output);
    return r;
  }

  /** What the child printed. */
  static final class Result {
    final int exitCode;
    final String output;
    final List<String> lines;

    Result(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
      this.lines = output.lines().collect(Collectors.toList());
    }

    /** The result of a step: OK, BLOCKED global, BLOCKED user:x, ERROR ... */
    String step(String step) {
      String prefix = "STEP " + step + " ";
      return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
          .findFirst().orElseThrow(() -> new AssertionError("no step " + step + " in:\n" + output));
    }

    BigDecimal spent(String user) {
      String prefix = "SPENT " + user + " ";
      return new BigDecimal(lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
          .findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in:\n" + output)));
    }
  }
}
