package dev.llmbudget.agent.it;

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

  static final Path AGENT_JAR = Path.of(System.getProperty("llmbudget.it.agentJar", "target/llm-budget-agent.jar"));
  private static final List<String> TEST_CLASS_PATH = Arrays.asList(System.getProperty("surefire.test.class.path",
      System.getProperty("java.class.path")).split(File.pathSeparator));
  /** What a host application would not have: our own build and the test framework. */
  private static final List<String> NOT_THE_APP = List.of("/core/target/", "llm-budget-core", "/agent/target/classes",
      "/testkit/", "llm-budget-testkit", "byte-buddy", "junit", "opentest4j", "apiguardian", "assertj", "surefire", "failsafe");

  private final List<String> jvmArgs = new ArrayList<>();
  private String classPath;
  private String agentArgs = "";
  private boolean attachAgent = true;

  /** The test classes plus the newest SDKs and their dependencies, as the test class path has them. */
  static String newestSdkClassPath() {
    return TEST_CLASS_PATH.stream().filter(ChildJvm::isApp).collect(Collectors.joining(File.pathSeparator));
  }

  /** The test classes, SLF4J, and an SDK class path written by one of the oldest-sdks modules. */
  static String classPathFrom(String property) {
    try {
      String sdk = Files.readString(Path.of(System.getProperty(property))).trim();
      List<String> own = new ArrayList<>();
      for (String entry : TEST_CLASS_PATH) {
        if (entry.endsWith("test-classes") || entry.contains("slf4j")) {
          own.add(entry);
        }
      }
      return String.join(File.pathSeparator, own) + File.pathSeparator + sdk;
    } catch (IOException e) {
      throw new IllegalStateException("no class path file for " + property + ": run mvn verify from the root", e);
    }
  }

  static String testClassesOnly() {
    return TEST_CLASS_PATH.stream().filter(e -> e.endsWith("test-classes")).collect(Collectors.joining(File.pathSeparator));
  }

  static String coreJar() {
    return System.getProperty("llmbudget.it.coreJar");
  }

  private static boolean isApp(String entry) {
    String e = entry.replace('\\', '/');
    if (e.endsWith("agent/target/test-classes")) {
      return true;
    }
    return NOT_THE_APP.stream().noneMatch(e::contains);
  }

  ChildJvm classPath(String cp) {
    this.classPath = cp;
    return this;
  }

  ChildJvm agentArgs(String args) {
    this.agentArgs = args;
    return this;
  }

  ChildJvm withoutAgent() {
    this.attachAgent = false;
    return this;
  }

  ChildJvm jvmArg(String arg) {
    jvmArgs.add(arg);
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
    if (attachAgent) {
      cmd.add("-javaagent:" + AGENT_JAR.toAbsolutePath() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
    }
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classPath == null ? newestSdkClassPath() : classPath);
    cmd.add(mainClass);
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
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
      return new BigDecimal(value("SPENT " + user + " ").split(" ")[0]);
    }

    String value(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
          .findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in:\n" + output));
    }
  }
}
