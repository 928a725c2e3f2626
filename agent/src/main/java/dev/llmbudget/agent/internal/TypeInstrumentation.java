package dev.llmbudget.agent.internal;

import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/** An SDK instrumented at seams of its own (not the Stainless HTTP layer): the exact types it touches and how. */
public interface TypeInstrumentation {

  /** Fully qualified names of the types transformed; every other class is ignored by name. */
  List<String> typeNames();

  /** Adds the advice to one of {@link #typeNames()}, told apart by its name. */
  AgentBuilder.Transformer transformer();
}
