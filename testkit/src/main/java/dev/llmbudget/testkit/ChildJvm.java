package dev.llmbudget.testkit;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in a fresh JVM with the llm-budget agent attached and returns what it printed;
 * the process is gone when {@link #run} returns or throws. Class paths come from {@link ChildClassPath}.
 */
public final class ChildJvm {

  /** The shaded agent jar: {@code -Dllmbudget.it.agentJar}, as the IT poms set it, else the reactor's. */
  public static final Path AGENT_JAR = agentJar();

  /** Small and quick to start; CDS would complain on stdout once the agent extends the bootstrap class path. */
  private static final List<String> JVM_DEFAULTS =
      List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:off");

  private final List<String> jvmArgs = new ArrayList<>();
  private String classPath;
  private String agentArgs = "";
  private boolean attachAgent = true;
  private Duration timeout = Duration.ofSeconds(180);
  private final java.util.Map<String, String> environment = new java.util.LinkedHashMap<>();

  /** A child on {@link ChildClassPath#newest()} with the agent and no agent arguments. */
  public ChildJvm() {
  }

  /** What the child runs on; by default {@link ChildClassPath#newest()}. */
  public ChildJvm classPath(String classPath) {
    this.classPath = Objects.requireNonNull(classPath, "classPath");
    return this;
  }

  /** The agent's arguments, as in {@code -javaagent:agent.jar=<args>}. */
  public ChildJvm agentArgs(String agentArgs) {
    this.agentArgs = Objects.requireNonNull(agentArgs, "agentArgs");
    return this;
  }

  /** Starts the child without {@code -javaagent}, e.g. to attach the agent later. */
  public ChildJvm withoutAgent() {
    this.attachAgent = false;
    return this;
  }

  /** One more JVM option, after the agent's. */
  public ChildJvm jvmArg(String arg) {
    jvmArgs.add(Objects.requireNonNull(arg, "arg"));
    return this;
  }

  /** An environment variable of the child, beside this JVM's. */
  public ChildJvm environment(String name, String value) {
    environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /** {@code -Dname=value}. */
  public ChildJvm systemProperty(String name, String value) {
    return jvmArg("-D" + name + "=" + value);
  }

  /** How long the child may run before it is killed and the run fails; 180 s by default. */
  public ChildJvm timeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, not " + timeout);
    }
    this.timeout = timeout;
    return this;
  }

  /** The command {@link #run} starts. */
  public List<String> command(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_DEFAULTS);
    if (attachAgent) {
      cmd.add("-javaagent:" + AGENT_JAR + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
    }
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classPath == null ? ChildClassPath.newest() : classPath);
    cmd.add(mainClass);
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  /**
   * Runs {@code mainClass} with {@code args} to its end and returns its exit code and output
   * (stdout and stderr, interleaved), which it also echoes to this JVM's stdout for the test report.
   *
   * @throws IllegalStateException if the child outlives the timeout; it is killed first
   */
  public Result run(String mainClass, String... args) throws IOException, InterruptedException {
    List<String> cmd = command(mainClass, args);
    // A file, not a pipe: a chatty child never blocks on a full pipe, and a hung one cannot hang the reader.
    Path out = Files.createTempFile("child-jvm", ".out");
    Process p = null;
    try {
      ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
      builder.environment().putAll(environment);
      p = builder.start();
      boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        String threads = threadDump(p);
        kill(p);
        throw new IllegalStateException("child JVM did not finish in " + timeout + ": " + cmd + "\n"
            + read(out) + "\n---- its threads when it was killed:\n" + threads);
      }
      Result r = new Result(p.exitValue(), read(out));
      System.out.println("---- child " + String.join(" ", args) + "\n" + r.output());
      return r;
    } finally {
      if (p != null && p.isAlive()) {
        kill(p);
      }
      Files.deleteIfExists(out);
    }
  }

  /** What a hung child's threads were doing, so a hang in CI can be told apart from a slow machine. */
  private static String threadDump(Process p) {
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          Long.toString(p.pid()), "Thread.print").redirectErrorStream(true).start();
      String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      jcmd.waitFor(20, TimeUnit.SECONDS);
      return dump;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return "(no thread dump: " + e + ")";
    }
  }

  private static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  private static String read(Path out) throws IOException {
    return new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
  }

  private static Path agentJar() {
    String configured = System.getProperty("llmbudget.it.agentJar");
    if (configured != null) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    Path inAgent = Path.of("target", "llm-budget-agent.jar");
    return (Files.exists(inAgent) ? inAgent : Path.of("..", "..", "agent", "target", "llm-budget-agent.jar"))
        .toAbsolutePath().normalize();
  }

  /**
   * What a child printed. Lines that {@link ChildApp} writes are read by name: {@code STEP <step> <result>}
   * by {@link #step}, {@code SPENT <user> <dollars>} by {@link #spent}, any other by {@link #value}.
   */
  public record Result(int exitCode, String output, List<String> lines) {

    public Result(int exitCode, String output) {
      this(exitCode, output, output.lines().toList());
    }

    /** What a step came to: {@code OK}, {@code BLOCKED global}, {@code BLOCKED user:x} or {@code ERROR ...}. */
    public String step(String step) {
      return value(ChildApp.STEP + " " + step + " ");
    }

    /** What {@code user} (or {@code global}) had spent when the child finished, exactly as the store holds it. */
    public BigDecimal spent(String user) {
      return new BigDecimal(value(ChildApp.SPENT + " " + user + " ").split(" ")[0]);
    }

    /** The rest of the first line that starts with {@code prefix}. */
    public String value(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
          .findFirst().orElseThrow(() -> new AssertionError("no line " + prefix + " in:\n" + output));
    }
  }
}
