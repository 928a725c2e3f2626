package dev.llmbudget.agent.internal;

import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/** An SDK instrumented at its own client classes (not through a Stainless HTTP layer): the classes and their advice. */
public interface TypeInstrumentation {

  /** The exact names of the classes it instruments; every other class is ignored. */
  List<String> typeNames();

  /** Adds its advice to one of {@link #typeNames()}. */
  AgentBuilder.Transformer transformer();
}
