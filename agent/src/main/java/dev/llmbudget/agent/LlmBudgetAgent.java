package dev.llmbudget.agent;

import java.io.File;
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
    start(args, inst);
  }

  /** Attach to a running JVM: SDK classes already loaded are retransformed. */
  public static void agentmain(String args, Instrumentation inst) throws Exception {
    start(args, inst);
  }

  private static void start(String args, Instrumentation inst) throws Exception {
    inst.appendToBootstrapClassLoaderSearch(new JarFile(agentJar()));
    Class<?> installer = Class.forName(INSTALLER, true, null);
    try {
      installer.getMethod("install", String.class, Instrumentation.class).invoke(null, args, inst);
    } catch (java.lang.reflect.InvocationTargetException e) {
      // A bad configuration must stop start-up with its own message, not a reflection wrapper.
      Throwable cause = e.getCause();
      if (cause instanceof Exception) {
        throw (Exception) cause;
      }
      throw (Error) cause;
    }
  }

  private static File agentJar() throws URISyntaxException {
    return new File(LlmBudgetAgent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }
}
