package dev.llmbudget.agent.internal;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.agent.instrumentation.meter.MeteredCall;
import dev.llmbudget.agent.instrumentation.stainless.HttpSeam;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.pricing.ModelPrice;
import dev.llmbudget.store.PendingCharges;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.jar.asm.ClassReader;

/**
 * The classes the weave of an openai-java or anthropic-java client and its first call load, loaded
 * (not initialised) on the warm-up thread, so the app's thread that builds the client and makes the
 * first call finds them defined: ~60 classes that it would otherwise read from the jar and parse
 * itself. Anonymous classes are left out: their numbers change with the code. A class that is
 * renamed fails {@code PreloadTest}, not the agent.
 */
final class Preload {

  private Preload() {}

  /** Each group is a class whose package holds the names after it. */
  private static final Object[][] GROUPS = {
      {ClassReader.class, "ClassVisitor", "Attribute", "Context", "Type", "MethodVisitor", "MethodWriter", "Label",
          "Handle", "ClassWriter", "ComputeLimits", "SymbolTable", "ByteVector", "Symbol", "SymbolTable$Entry",
          "AnnotationVisitor", "AnnotationWriter", "FieldVisitor", "FieldWriter", "Handler", "Frame"},
      {HttpSeam.class, "StainlessWeaver", "StainlessWeaver$Kind", "StainlessWeaver$MeterAdapter",
          "StainlessWeaver$PrepareAdapter", "SdkHandles", "BodyBytes", "RequestScan", "RequestReader", "RequestText",
          "HttpSeam$Read", "StreamUsage", "MeteredResponse", "RewrittenBody", "StreamOptionHosts"},
      {MeteredCall.class, "MeteredCall$ResponseWrapper", "LlmRequest", "BodyMeter", "ChunkReader", "StreamedText",
          "MeteringInputStream"},
      {BudgetContext.class, "Reservation", "Usage"},
      {BudgetEngine.class, "UserIds", "CallRequest", "BudgetEngine$Held", "BudgetEngine$CallReservation",
          "UsageBytes", "UsageJson", "CallCounters", "UsageCounters$Series"},
      {ModelPrice.class, "ModelPrice$Tier"},
      {PendingCharges.class, "Ledger$Hold"},
  };

  /** The classes' binary names. */
  static List<String> names() {
    List<String> names = new ArrayList<>();
    for (Object[] group : GROUPS) {
      Class<?> anchor = (Class<?>) group[0];
      names.add(anchor.getName());
      for (int i = 1; i < group.length; i++) {
        names.add(anchor.getPackageName() + "." + group[i]);
      }
    }
    return names;
  }

  /** Loads the classes; one that is missing is skipped: it is loaded, or found missing, where it is used. */
  static void load() {
    ClassLoader loader = Preload.class.getClassLoader();
    for (String name : names()) {
      try {
        Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        // Not ours to report: the code that uses the class meets it.
      }
    }
  }
}
