package dev.llmbudget.agent.internal;

import dev.llmbudget.internal.CallCounters;
import dev.llmbudget.internal.Log;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands the few seam classes to their weaver and every other class straight back: one hash lookup
 * of the class name per class the JVM loads, plus a prefix test for the seams that need one.
 */
final class SeamTransformer implements ClassFileTransformer {

  private final Map<String, Seam> byName = new HashMap<>();
  private final List<String> prefixes = new ArrayList<>();
  private final List<Seam> prefixSeams = new ArrayList<>();

  SeamTransformer(List<? extends Seam> seams) {
    for (Seam seam : seams) {
      for (String name : seam.internalNames()) {
        byName.put(name, seam);
      }
      for (String prefix : seam.packagePrefixes()) {
        prefixes.add(prefix);
        prefixSeams.add(seam);
      }
    }
  }

  boolean isSeam(Class<?> type) {
    String name = type.getName().replace('.', '/');
    return byName.containsKey(name) || prefixed(name) != null;
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
      ProtectionDomain domain, byte[] classFile) {
    if (className == null) {
      return null;
    }
    Seam seam = byName.get(className);
    if (seam == null) {
      seam = prefixed(className);
      if (seam == null) {
        return null;
      }
    }
    try {
      long started = AgentInstaller.DEBUG_STARTUP ? System.nanoTime() : 0;
      long startedCpu = AgentInstaller.debugCpu();
      byte[] woven = seam.weave(className.replace('/', '.'), loader, classFile);
      if (AgentInstaller.DEBUG_STARTUP) {
        System.err.printf("llm-budget: %s %s in %.1f ms, thread CPU %.1f ms%n", woven == null ? "looked at" : "wove",
            className.replace('/', '.'), (System.nanoTime() - started) / 1e6, (AgentInstaller.debugCpu() - startedCpu) / 1e6);
      } else if (woven != null && Boolean.getBoolean("llmbudget.debug.transform")) {
        System.err.println("llm-budget: instrumented " + className.replace('/', '.'));
      }
      return woven;
    } catch (Throwable t) {
      notInstrumented(className.replace('/', '.'), t);
      return null;
    }
  }

  /**
   * A seam that could not be woven: its calls cannot be intercepted, so they can be neither metered
   * nor refused whatever {@code llmbudget.on_error} says. Loud (ERROR) and counted where an operator
   * looks (JMX {@code ClassesNotInstrumented}, {@code llm_budget_classes_not_instrumented_total}).
   */
  static void notInstrumented(String className, Throwable t) {
    CallCounters.notInstrumented();
    Log.error("llm-budget: could not instrument " + className + " (" + t + "): the LLM calls made through it are "
        + "NOT metered and NOT refused, whatever llmbudget.on_error says, so no budget holds for them. Use an SDK "
        + "version the agent supports (README, Supported SDKs) or a newer llm-budget; JMX ClassesNotInstrumented "
        + "counts such classes", t);
  }

  private Seam prefixed(String internalName) {
    for (int i = 0; i < prefixes.size(); i++) {
      if (internalName.startsWith(prefixes.get(i))) {
        return prefixSeams.get(i);
      }
    }
    return null;
  }
}
