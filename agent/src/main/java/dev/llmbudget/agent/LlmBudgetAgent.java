package dev.llmbudget.agent;

import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.net.URISyntaxException;
import java.util.jar.JarFile;

/**
 * The agent's entry point: {@code -javaagent:llm-budget-agent.jar[=key=value,...]} or attach to a
 * running JVM. It puts the agent jar on the bootstrap class path before any other class of ours is
 * loaded, then hands over to the installer loaded there, so one copy of {@code dev.llmbudget.*}
 * serves every class loader in the JVM.
 */
public final class LlmBudgetAgent {

  private static final String INSTALLER = "dev.llmbudget.agent.internal.AgentInstaller";

  private LlmBudgetAgent() {}

  public static void premain(String args, Instrumentation inst) throws Exception {
    try {
      start(args, inst);
    } catch (IllegalArgumentException badConfiguration) {
      // The installer printed the one line that names the key. A stack trace and the JVM's
      // "FATAL ERROR in native method: processing of -javaagent failed" would read like a crash.
      if (debug(args)) {
        badConfiguration.printStackTrace();
      }
      System.exit(1);
    }
  }

  /**
   * Attach to a running JVM: SDK classes already loaded are retransformed. A bad configuration
   * fails the attach (the attaching tool sees it) and leaves the running JVM as it was.
   */
  public static void agentmain(String args, Instrumentation inst) throws Exception {
    start(args, inst);
  }

  /** {@code llmbudget.quiet=true} from the agent arguments, a system property or the environment. */
  private static boolean quiet(String args) {
    if (args != null) {
      for (String part : args.split(",")) {
        String p = part.trim();
        if (p.equals("quiet=true") || p.equals("llmbudget.quiet=true")) {
          return true;
        }
      }
    }
    return Boolean.parseBoolean(System.getProperty("llmbudget.quiet", System.getenv("LLMBUDGET_QUIET")));
  }

  /** {@code llmbudget.debug=true} from the agent arguments, a system property or the environment. */
  private static boolean debug(String args) {
    if (args != null) {
      for (String part : args.split(",")) {
        String p = part.trim();
        if (p.equals("debug=true") || p.equals("llmbudget.debug=true")) {
          return true;
        }
      }
    }
    return Boolean.parseBoolean(System.getProperty("llmbudget.debug", System.getenv("LLMBUDGET_DEBUG")));
  }

  /**
   * True when {@code llmbudget.enabled} is {@code false} in the first source that sets it (agent
   * arguments, system property, environment), read as the configuration reads it. Checked before
   * the jar goes on the bootstrap class path: a disabled agent loads none of its classes, keeps
   * class-data sharing for application classes and costs the host a few milliseconds.
   */
  static boolean disabled(String args) {
    String value = null;
    if (args != null) {
      for (String part : args.split(",")) {
        int eq = part.indexOf('=');
        String key = eq < 0 ? "" : part.substring(0, eq).trim();
        if (key.equals("enabled") || key.equals("llmbudget.enabled")) {
          value = part.substring(eq + 1);
        }
      }
    }
    if (value == null) {
      value = System.getProperty("llmbudget.enabled");
    }
    if (value == null) {
      value = System.getenv("LLMBUDGET_ENABLED");
    }
    return value != null && value.trim().equalsIgnoreCase("false");
  }

  private static void start(String args, Instrumentation inst) throws Exception {
    if (disabled(args)) {
      // One line, and no logger: the host's logging is not set up yet, and loading one costs more
      // than everything else this path does.
      if (!quiet(args)) {
        System.err.println("llm-budget: llmbudget.enabled=false, the agent installs nothing");
      }
      return;
    }
    long started = System.nanoTime();
    File jar = agentJar();
    BootClassPath.append(inst, jar);
    if (Boolean.getBoolean("llmbudget.debug.startup")) {
      System.err.printf("llm-budget: jar on the bootstrap class path in %.1f ms%n", (System.nanoTime() - started) / 1e6);
    }
    Class<?> installer = Class.forName(INSTALLER, true, null);
    try {
      installer.getMethod("install", String.class, Instrumentation.class, File.class).invoke(null, args, inst, jar);
    } catch (java.lang.reflect.InvocationTargetException e) {
      // A bad configuration must stop start-up with its own message, not a reflection wrapper.
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw (Error) cause;
    }
  }

  /**
   * Puts the agent jar on the bootstrap class path. A class of its own, so that verifying the entry
   * point (which a disabled agent loads alone) loads none of it.
   */
  static final class BootClassPath {
    private BootClassPath() {}

    /**
     * Puts {@code jar} on the bootstrap class path. {@link Instrumentation#appendToBootstrapClassLoaderSearch}
     * hands the JVM only the {@link JarFile}'s name, and the JVM opens the path itself; but opening our
     * jar as a {@code JarFile} first reads its directory of ~6,000 entries in still-interpreted Java,
     * 7 to 20 ms on premain's path. So the JDK's own small {@code lib/jrt-fs.jar} is opened under our
     * jar's name; if the bootstrap loader does not then see our classes (a JDK that reads the file
     * given, or no such file) our jar is opened and appended as usual.
     */
    static void append(Instrumentation inst, File jar) throws IOException {
      File small = new File(System.getProperty("java.home"), "lib" + File.separator + "jrt-fs.jar");
      if (small.isFile()) {
        try (JarFile named = new NamedJar(small, jar.getPath())) {
          inst.appendToBootstrapClassLoaderSearch(named);
        } catch (IOException | RuntimeException e) {
          // The usual way, below.
        }
        if (sees(INSTALLER)) {
          return;
        }
      }
      try (JarFile opened = new JarFile(jar)) {
        inst.appendToBootstrapClassLoaderSearch(opened);
      }
    }

    static boolean sees(String className) {
      try {
        Class.forName(className, false, null);
        return true;
      } catch (ClassNotFoundException e) {
        return false;
      }
    }
  }

  /** A {@link JarFile} that reports another path as its name (see {@link BootClassPath#append}). */
  private static final class NamedJar extends JarFile {
    private final String name;

    NamedJar(File file, String name) throws IOException {
      super(file, false);
      this.name = name;
    }

    @Override
    public String getName() {
      return name;
    }
  }

  private static File agentJar() throws URISyntaxException {
    return new File(LlmBudgetAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
