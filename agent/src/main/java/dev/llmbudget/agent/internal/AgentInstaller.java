package dev.llmbudget.agent.internal;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.agent.instrumentation.anthropic.AnthropicInstrumentation;
import dev.llmbudget.agent.instrumentation.azure.AzureOpenAiInstrumentation;
import dev.llmbudget.agent.instrumentation.bedrock.BedrockInstrumentation;
import dev.llmbudget.agent.instrumentation.genai.GenAiInstrumentation;
import dev.llmbudget.agent.instrumentation.langchain4j.LangChain4jInstrumentation;
import dev.llmbudget.agent.instrumentation.micrometer.MicrometerInstrumentation;
import dev.llmbudget.agent.instrumentation.springai.SpringAiInstrumentation;
import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import dev.llmbudget.agent.instrumentation.stainless.HttpSeam;
import dev.llmbudget.agent.instrumentation.stainless.StainlessSdk;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.Bundled;
import dev.llmbudget.internal.FailurePolicy;
import dev.llmbudget.internal.Extensions;
import dev.llmbudget.internal.Log;
import dev.llmbudget.internal.PrometheusText;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Configures core from the agent arguments and installs the SDK instrumentations. Loaded by the
 * bootstrap class loader (see the {@code dev.llmbudget.agent} package).
 */
public final class AgentInstaller {

  /** The Stainless-generated SDKs, metered at their shared HTTP seam; a new one is one more entry. */
  static final List<StainlessSdk> SDKS = List.of(OpenAiInstrumentation.SDK, AnthropicInstrumentation.SDK);

  /** Every seam the agent weaves; a new SDK or framework is one more entry. */
  static final List<Seam> SEAMS = List.of(OpenAiInstrumentation.SDK, AnthropicInstrumentation.SDK,
      BedrockInstrumentation.INSTANCE, GenAiInstrumentation.INSTANCE, AzureOpenAiInstrumentation.INSTANCE,
      LangChain4jInstrumentation.INSTANCE, SpringAiInstrumentation.INSTANCE, MicrometerInstrumentation.INSTANCE,
      JmxRegistration.INSTANCE);

  /** {@code -Dllmbudget.debug.startup=true}: each start-up phase prints its wall and thread CPU time. */
  static final boolean DEBUG_STARTUP = Boolean.getBoolean("llmbudget.debug.startup");

  private AgentInstaller() {}

  /** This thread's CPU time, read only when debugging start-up (it loads the JDK's management classes). */
  static long debugCpu() {
    return DEBUG_STARTUP ? java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() : 0;
  }

  /**
   * Installs the agent from {@code jar}. A bad configuration throws (the JVM then refuses to start,
   * which is the documented behaviour); any other failure is logged and leaves the host running
   * unmetered.
   */
  public static void install(String args, Instrumentation inst, java.io.File jar) {
    long started = System.nanoTime();
    long startedCpu = debugCpu();
    // The price table and version come from this jar, not from an app's own llm-budget-core.
    Bundled.useJar(jar);
    // Before any configuration is read: the price table or store it names may need the isolated classes.
    Extensions.useIsolatedLoader(new IsolatedClassLoader());
    BudgetConfig config;
    try {
      Map<String, String> parsed = BudgetConfig.parseAgentArgs(args);
      config = BudgetRuntime.configure(parsed);
    } catch (IllegalArgumentException e) {
      System.err.println("llm-budget: bad configuration, the agent cannot start: " + e.getMessage());
      throw e;
    }
    if (!config.enabled()) {
      Log.info("llm-budget: llmbudget.enabled=false, the agent installs nothing");
      return;
    }
    try {
      HttpSeam.register(SDKS);
      SeamTransformer transformer = new SeamTransformer(SEAMS);
      inst.addTransformer(transformer, true);
      retransformLoadedSeams(inst, transformer);
    } catch (Throwable t) {
      dev.llmbudget.internal.CallCounters.notInstrumented();
      Log.error("llm-budget: could not install the agent; LLM calls are NOT metered and NOT refused, whatever "
          + "llmbudget.on_error says", t);
      return;
    }
    if (DEBUG_STARTUP) {
      System.err.printf("llm-budget: agent installed in %.1f ms, thread CPU %.1f ms%n",
          (System.nanoTime() - started) / 1e6, (debugCpu() - startedCpu) / 1e6);
    }
    warmUp(config.quiet(), inst);
  }

  /**
   * SDK classes loaded before the agent (attach, or another agent's doing) are woven now; an MBean
   * server created before it gets the JMX bean now.
   */
  private static void retransformLoadedSeams(Instrumentation inst, SeamTransformer transformer) {
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> type : inst.getAllLoadedClasses()) {
      if (JmxRegistration.INSTANCE.signals(type)) {
        JmxRegistration.INSTANCE.registerSoon();
      } else if (transformer.isSeam(type) && inst.isModifiableClass(type)) {
        loaded.add(type);
      }
    }
    if (loaded.isEmpty()) {
      return;
    }
    try {
      inst.retransformClasses(loaded.toArray(new Class<?>[0]));
    } catch (Throwable t) {
      for (Class<?> type : loaded) {
        SeamTransformer.notInstrumented(type.getName() + " (loaded before the agent)", t);
      }
    }
  }

  /**
   * Loads the price table and opens the store now, so the first call is fast and a store problem
   * shows early. The JMX bean is registered when the JVM creates its MBean server ({@link
   * JmxRegistration}), or at once when that happened before the agent started.
   */
  private static void warmUp(boolean quiet, Instrumentation inst) {
    Thread t = new Thread(() -> {
      long started = System.nanoTime();
      long startedCpu = debugCpu();
      // A Micrometer initialised before the agent was attached; otherwise its seam binds it.
      MicrometerInstrumentation.bindLoaded(inst);
      PrometheusText.start(BudgetRuntime.config());
      try {
        // The token vocabularies (o200k: ~1.5 s of CPU and tens of MB) are not warmed: the
        // byte-length bound spares the count on calls with headroom, so many apps never need them.
        BudgetRuntime runtime = BudgetRuntime.get();
        runtime.engine().prices();
        if (!quiet) {
          // One line on stderr, not a logger's two: at start the host's logging is not set up yet.
          System.err.println(runtime.enforcement());
        }
      } catch (Throwable e) {
        Log.warn("llm-budget: could not load the price table or open the budget store: " + e.getMessage()
            + "; " + FailurePolicy.get().consequence(), e);
      }
      // Last: the app's thread may be weaving its SDK client by now, and finds what is loaded here defined.
      Preload.load();
      if (DEBUG_STARTUP) {
        System.err.printf("llm-budget: store and price table ready in %.1f ms, thread CPU %.1f ms%n",
            (System.nanoTime() - started) / 1e6, (debugCpu() - startedCpu) / 1e6);
      }
    }, "llm-budget-warmup");
    t.setDaemon(true);
    t.start();
  }
}
