package dev.llmbudget.agent.internal;

import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * An instrumentation matched by type rather than by a Stainless SDK's fixed class names (a
 * framework whose seam is an interface its providers implement).
 */
public interface TypeInstrumentation {

  /** A test on the class name alone; every class it rejects is ignored without further look-ups. */
  ElementMatcher.Junction<TypeDescription> candidates();

  /** Among the candidates, the types to transform. */
  ElementMatcher<TypeDescription> types();

  AgentBuilder.Transformer transformer();
}
