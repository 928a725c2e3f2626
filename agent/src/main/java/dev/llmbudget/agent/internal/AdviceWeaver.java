package dev.llmbudget.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.isDefaultFinalizer;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.InstrumentedType;
import net.bytebuddy.dynamic.scaffold.MethodGraph;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Inlines advice into a class's bytes with Byte Buddy, changing nothing of the class's shape (no
 * new members), so it works for retransformation too. Loaded on the first seam class, never at
 * start-up: a JVM without any SDK never loads Byte Buddy.
 */
public final class AdviceWeaver {

  /** The advice classes live in the bootstrap loader; their bytes come from the agent jar. */
  public static final ClassFileLocator AGENT_CLASSES = new ClassFileLocator.Compound(
      ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());

  // Frozen shape: no added fields or methods. Validation off: Kotlin's file-level @JvmName fails
  // Byte Buddy's Java-only annotation-target check. Synthetic methods not ignored: Kotlin marks
  // some seams (PrepareRequest.prepareAsync) @JvmSynthetic.
  private static final ByteBuddy BYTE_BUDDY = new ByteBuddy()
      .with(TypeValidation.DISABLED)
      .with(Implementation.Context.Disabled.Factory.INSTANCE)
      .with(InstrumentedType.Factory.Default.FROZEN)
      .with(MethodGraph.Compiler.ForDeclaredMethods.INSTANCE)
      .ignore(isDefaultFinalizer());

  private AdviceWeaver() {}

  /** {@code classFile} with {@code advice} woven in. */
  public static byte[] weave(String typeName, ClassLoader loader, byte[] classFile, AsmVisitorWrapper advice) {
    return weaveIf(typeName, loader, classFile, null, advice);
  }

  /**
   * {@code classFile} with {@code advice} woven in when its type matches {@code types}, else
   * {@code null}: for seams that must look at a class's hierarchy before weaving it. One type pool
   * serves the look and the weave.
   */
  public static byte[] weaveIf(String typeName, ClassLoader loader, byte[] classFile,
      ElementMatcher<? super TypeDescription> types, AsmVisitorWrapper advice) {
    ClassFileLocator locator = locator(typeName, loader, classFile);
    TypePool pool = TypePool.Default.of(locator);
    TypeDescription type = pool.describe(typeName).resolve();
    if (types != null && !types.matches(type)) {
      return null;
    }
    return BYTE_BUDDY.redefine(type, locator).visit(advice).make(pool).getBytes();
  }

  private static ClassFileLocator locator(String typeName, ClassLoader loader, byte[] classFile) {
    return new ClassFileLocator.Compound(
        ClassFileLocator.Simple.of(typeName, classFile), ClassFileLocator.ForClassLoader.of(loader));
  }
}
