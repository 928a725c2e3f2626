package dev.llmbudget.agent.instrumentation.micrometer;

import static net.bytebuddy.matcher.ElementMatchers.isTypeInitializer;

import dev.llmbudget.agent.internal.AdviceWeaver;
import dev.llmbudget.agent.internal.Seam;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.MicrometerMeters;
import java.lang.instrument.Instrumentation;
import java.util.List;
import net.bytebuddy.asm.Advice;

/**
 * Weaves the end of {@code io.micrometer.core.instrument.Metrics}' static initialiser, the moment
 * the application's global registry exists (Micrometer is loaded long after {@code premain}, by
 * Spring Boot's auto-configuration or the application's first meter).
 */
public final class MicrometerInstrumentation implements Seam {

  public static final MicrometerInstrumentation INSTANCE = new MicrometerInstrumentation();

  static final String METRICS = "io.micrometer.core.instrument.Metrics";

  private MicrometerInstrumentation() {}

  @Override
  public List<String> internalNames() {
    return List.of(METRICS.replace('.', '/'));
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    return AdviceWeaver.weave(typeName, loader, classFile,
        Advice.to(Initialised.class, AdviceWeaver.AGENT_CLASSES).on(isTypeInitializer()));
  }

  /**
   * Binds the global registry of a Micrometer initialised before the agent came (attached to a
   * running JVM): its static initialiser will not run again.
   */
  public static void bindLoaded(Instrumentation inst) {
    for (Class<?> type : inst.getAllLoadedClasses()) {
      if (METRICS.equals(type.getName())) {
        try {
          MicrometerMeters.bind(type.getField("globalRegistry").get(null));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
          Log.warn("llm-budget: could not find Micrometer's global registry: " + e, e);
        }
      }
    }
  }

  /** The advice: after {@code Metrics.<clinit>}, hand over {@code globalRegistry}. */
  static final class Initialised {
    private Initialised() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.FieldValue("globalRegistry") Object registry) {
      MicrometerMeters.bind(registry);
    }
  }
}
