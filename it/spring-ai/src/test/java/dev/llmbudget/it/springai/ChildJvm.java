package dev.llmbudget.it.springai;

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

/** Starts a JVM with the agent attached, runs {@link SpringAiApp} in it and collects what it prints. */
final class ChildJvm {

  static final Path AGENT_JAR = Path.of(System.getProperty("llmbudget.it.agentJar", "../../agent/target/llm-budget-agent.jar"));
  private static final List<String> TEST_CLASS_PATH = Arrays.asList(System.getProperty("surefire.test.class.path",
      System.getProperty("java.class.path")).split(File.pathSeparator));
  /** What a host application would not have: our own build and the test framework. */
  private static final List<String> NOT_THE_APP = List.of("/core/target/", "llm-budget-core", "/agent/target/",
      "llm-budget-agent", "/testkit/", "llm-budget-testkit", "byte-buddy", "junit", "opentest4j", "apiguardian",
      "assertj", "surefire", "failsafe");

  private final List<String> jvmArgs = new ArrayList<>();
  private String classPath = springAi11();
  private String agentArgs = "";
  private boolean attachAgent = true;

  /** Spring AI 1.1 as on the test class path, with the app's classes. */
  static String springAi11() {
    return TEST_CLASS_PATH.stream().filter(ChildJvm::isApp).collect(Collectors.joining(File.pathSeparator));
  }

  /** The app's classes, SLF4J, and Spring AI 1.0 as its class-path module resolved it. */
  static String springAi10() {
    return own() + File.pathSeparator + read("llmbudget.it.classpath.spring-ai-1.0");
  }

  /** The app's classes, SLF4J, the 2.x model factory and Spring AI 2.x as its module resolved it. */
  static String springAi2() {
    return own() + File.pathSeparator + System.getProperty("llmbudget.it.classes.spring-ai-2")
        + File.pathSeparator + read("llmbudget.it.classpath.spring-ai-2");
  }

  /** {@code cp} plus llm-budget-core, as an app that uses BudgetContext ships it (needed without the agent). */
  static String withCore(String cp) {
    return cp + File.pathSeparator + TEST_CLASS_PATH.stream()
        .filter(e -> e.contains("llm-budget-core") || e.replace('\\', '/').contains("/core/target/") || e.contains("jtokkit"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String own() {
    return TEST_CLASS_PATH.stream().filter(e -> e.endsWith("test-classes") || e.contains("slf4j"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String read(String property) {
    try {
      return Files.readString(Path.of(System.getProperty(property))).trim();
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("no class path file for " + property + ": run mvn verify from the root", e);
    }
  }

  private static boolean isApp(String entry) {
    String e = entry.replace('\\', '/');
    return e.endsWith("/test-classes") || NOT_THE_APP.stream().noneMatch(e::contains);
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

  Result run(String... args) throws IOException, InterruptedException {
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
    cmd.add(classPath);
    cmd.add(SpringAiApp.class.getName());
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
