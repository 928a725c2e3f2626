package dev.llmbudget.agent.instrumentation.stainless;

import static net.bytebuddy.matcher.ElementMatchers.isDefaultFinalizer;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.InstrumentedType;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.pool.TypePool;

/**
 * Inlines the advice into a seam class's bytes with Byte Buddy, changing nothing of the class's
 * shape (no new members), so it works for retransformation too. Loaded on the first SDK class,
 * never at start-up: a JVM without an SDK never loads Byte Buddy.
 */
final class SeamWeaver {

  /** The advice classes live in the bootstrap loader; their bytes come from the agent jar. */
  private static final ClassFileLocator AGENT_CLASSES = new ClassFileLocator.Compound(
      ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());

  private static final AsmVisitorWrapper ADVICE = new AsmVisitorWrapper.Compound(
      Advice.to(RetryingHttpClientAdvice.Execute.class, AGENT_CLASSES)
          .on(named("execute").and(takesArguments(2))),
      Advice.to(RetryingHttpClientAdvice.ExecuteAsync.class, AGENT_CLASSES)
          .on(named("executeAsync").and(takesArguments(2))),
      Advice.to(RetryingHttpClientAdvice.PrepareAsync.class, AGENT_CLASSES)
          .on(named("prepareAsync").and(takesArguments(3).or(takesArguments(4)))));

  // Frozen shape: no added fields or methods. Validation off: Kotlin's file-level @JvmName on
  // PrepareRequest fails Byte Buddy's Java-only annotation-target check. Synthetic methods not
  // ignored: Kotlin marks prepareAsync @JvmSynthetic.
  private static final ByteBuddy BYTE_BUDDY = new ByteBuddy()
      .with(TypeValidation.DISABLED)
      .with(Implementation.Context.Disabled.Factory.INSTANCE)
      .with(InstrumentedType.Factory.Default.FROZEN)
      .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE)
      .ignore(isDefaultFinalizer());

  private SeamWeaver() {}

  static byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.Simple.of(typeName, classFile), ClassFileLocator.ForClassLoader.of(loader));
    TypePool pool = TypePool.Default.of(locator);
    return BYTE_BUDDY.redefine(pool.describe(typeName).resolve(), locator)
        .visit(ADVICE)
        .make(pool)
        .getBytes();
  }
}
