package dev.llmbudget.agent.internal;

import java.util.Collection;
import java.util.List;

/**
 * Classes of one SDK or framework that the agent weaves, and how. The transformer finds a seam by
 * the exact internal name of the class being loaded (one hash lookup), or, for seams that must
 * look inside classes (implementations of a framework interface), by a package prefix; every other
 * class goes back to the JVM untouched.
 */
public interface Seam {

  /** Exact JVM-internal names ({@code com/openai/core/http/RetryingHttpClient}) this seam weaves. */
  Collection<String> internalNames();

  /**
   * Internal-name prefixes ({@code org/springframework/ai/}) of classes this seam may weave
   * after looking at them; empty for seams that know their classes by name.
   */
  default List<String> packagePrefixes() {
    return List.of();
  }

  /** The woven class file, or {@code null} to leave the class as it is. */
  byte[] weave(String typeName, ClassLoader loader, byte[] classFile);
}
