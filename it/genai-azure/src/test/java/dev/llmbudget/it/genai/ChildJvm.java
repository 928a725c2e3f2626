package dev.llmbudget.it.genai;

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

/** Starts a JVM with the agent attached and collects what it prints. */
final class ChildJvm {

  private static final Path AGENT_JAR = Path.of(System.getProperty("llmbudget.it.agentJar",
      "../../agent/target/llm-budget-agent.jar"));
  private static final List<String> TEST_CLASS_PATH = Arrays.asList(System.getProperty("surefire.test.class.path",
      System.getProperty("java.class.path")).split(File.pathSeparator));
  /** What a host application would not have: our own build and the test framework. */
  private static final List<String> NOT_THE_APP = List.of("/core/target/", "llm-budget-core", "/agent/target/",
      "llm-budget-agent", "/testkit/", "llm-budget-testkit", "byte-buddy", "junit", "opentest4j", "apiguardian",
      "assertj", "surefire", "failsafe");

  private String classPath = newestSdkClassPath();
  private String agentArgs = "";

  /** The test classes plus the newest SDKs and their dependencies, as the test class path has them. */
  static String newestSdkClassPath() {
    return TEST_CLASS_PATH.stream().filter(ChildJvm::isApp).collect(Collectors.joining(File.pathSeparator));
  }

  /** The test classes and an SDK class path written by one of the oldest-* modules. */
  static String classPathFrom(String property) {
    try {
      String sdk = Files.readString(Path.of(System.getProperty(property))).trim();
      String own = TEST_CLASS_PATH.stream().filter(e -> e.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
      return own + File.pathSeparator + sdk;
    } catch (IOException e) {
      throw new IllegalStateException("no class path file for " + property + ": run mvn verify from the root", e);
    }
  }

  private static boolean isApp(String entry) {
    String e = entry.replace('\\', '/');
    return e.endsWith("test-classes") || NOT_THE_APP.stream().noneMatch(e::contains);
  }

  ChildJvm classPath(String cp) {
    this.classPath = cp;
    return this;
  }

  ChildJvm agentArgs(String args) {
    this.agentArgs = args;
    return this;
  }

  Result run(String mainClass, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    // CDS complains on stdout once the agent extends the bootstrap class path.
    cmd.add("-Xshare:off");
    cmd.add("-javaagent:" + AGENT_JAR.toAbsolutePath().normalize() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(mainClass);
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
      return value("STEP " + step + " ");
    }

    BigDecimal spent(String user) {
      return new BigDecimal(value("SPENT " + user + " "));
    }

    String value(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
          .findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in:\n" + output));
    }
  }
}
