package dev.llmbudget.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.isDefaultFinalizer;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.agent.instrumentation.anthropic.AnthropicInstrumentation;
import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import dev.llmbudget.agent.instrumentation.springai.SpringAiInstrumentation;
import dev.llmbudget.agent.instrumentation.stainless.HttpSeam;
import dev.llmbudget.agent.instrumentation.stainless.StainlessSdk;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.Log;
import dev.llmbudget.tokens.TokenCounter;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.utility.JavaModule;

/**
 * Configures core from the agent arguments and installs the SDK instrumentations. Loaded by the
 * bootstrap class loader (see the {@code dev.llmbudget.agent} package).
 */
public final class AgentInstaller {

  /** Every SDK the agent meters; a new Stainless-generated SDK is one more entry. */
  static final List<StainlessSdk> SDKS = List.of(OpenAiInstrumentation.SDK, AnthropicInstrumentation.SDK);

  private AgentInstaller() {}

  /**
   * Installs the agent. A bad configuration throws (the JVM then refuses to start, which is the
   * documented behaviour); any other failure is logged and leaves the host running unmetered.
   */
  public static void install(String args, Instrumentation inst, boolean attached) {
    long started = System.nanoTime();
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
      builder(attached).installOn(inst);
    } catch (Throwable t) {
      Log.error("llm-budget: could not install the agent; LLM calls are not metered", t);
      return;
    }
    if (Boolean.getBoolean("llmbudget.debug.startup")) {
      System.err.printf("llm-budget: agent installed in %.1f ms%n", (System.nanoTime() - started) / 1e6);
    }
    warmUp();
  }

  static AgentBuilder builder(boolean attached) {
    List<String> names = new ArrayList<>();
    for (StainlessSdk sdk : SDKS) {
      names.add(sdk.retryingClientName());
      names.add(sdk.prepareRequestName());
    }
    // Validation off: Kotlin's file-level @JvmName on PrepareRequest fails Byte Buddy's
    // Java-only annotation-target check, though the class is untouched apart from the advice.
    // Synthetic methods not ignored: Kotlin marks prepareAsync @JvmSynthetic.
    ByteBuddy byteBuddy = new ByteBuddy().with(TypeValidation.DISABLED).ignore(isDefaultFinalizer());
    AgentBuilder builder = new AgentBuilder.Default(byteBuddy)
        .disableClassFormatChanges()
        .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
        .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
        .with(new FailureLog())
        // Every class but the few SDK seams is ignored by one hash lookup of its name.
        .ignore(not(namedOneOf(names.toArray(new String[0])).or(SpringAiInstrumentation.CANDIDATES)));
    if (Boolean.getBoolean("llmbudget.debug.transform")) {
      builder = builder.with(AgentBuilder.Listener.StreamWriting.toSystemError().withTransformationsOnly());
    }
    for (StainlessSdk sdk : SDKS) {
      builder = builder.type(namedOneOf(sdk.retryingClientName(), sdk.prepareRequestName())).transform(sdk.transformer());
    }
    builder = SpringAiInstrumentation.install(builder);
    return builder;
  }

  /** Loads the price table, the token encoding and the store now, so the first call is fast and a store problem shows early. */
  private static void warmUp() {
    Thread t = new Thread(() -> {
      try {
        BudgetRuntime.get().engine().prices();
        TokenCounter.forModel("gpt-4o").count("warm up");
      } catch (Throwable e) {
        Log.warn("llm-budget: could not load the price table or open the budget store: " + e.getMessage(), e);
      }
    }, "llm-budget-warmup");
    t.setDaemon(true);
    t.start();
  }

  /** Logs a failed transformation once per type; the class then runs unmetered. */
  static final class FailureLog extends AgentBuilder.Listener.Adapter {
    @Override
    public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded, Throwable throwable) {
      Log.warnOnce("transform:" + typeName, "llm-budget: could not instrument " + typeName
          + "; its LLM calls are not metered", throwable);
    }
  }
}
