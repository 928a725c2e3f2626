package dev.llmbudget.agent.internal;

import dev.llmbudget.agent.instrumentation.stainless.StainlessSdk;
import dev.llmbudget.internal.Log;
import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands the few SDK seam classes to their weaver and every other class straight back: one hash
 * lookup of the class name per class the JVM loads.
 */
final class SeamTransformer implements ClassFileTransformer {

  private final Map<String, StainlessSdk> seams = new HashMap<>();

  SeamTransformer(List<StainlessSdk> sdks) {
    for (StainlessSdk sdk : sdks) {
      for (String name : sdk.seamInternalNames()) {
        seams.put(name, sdk);
      }
    }
  }

  boolean isSeam(Class<?> type) {
    return seams.containsKey(type.getName().replace('.', '/'));
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
      ProtectionDomain domain, byte[] classFile) {
    StainlessSdk sdk = className == null ? null : seams.get(className);
    if (sdk == null) {
      return null;
    }
    try {
      byte[] woven = sdk.weave(className.replace('/', '.'), loader, classFile);
      if (Boolean.getBoolean("llmbudget.debug.transform")) {
        System.err.println("llm-budget: instrumented " + className.replace('/', '.'));
      }
      return woven;
    } catch (Throwable t) {
      Log.warnOnce("transform:" + className, "llm-budget: could not instrument " + className.replace('/', '.')
          + "; its LLM calls are not metered", t);
      return null;
    }
  }
}
