package dev.llmbudget.benchmarks;

import java.lang.management.ManagementFactory;
import org.openjdk.jmh.annotations.Fork;

/** {@link AgentOverheadBenchmark} without the agent: the baseline. */
@Fork(1)
public class AgentOverheadNoAgentBenchmark extends AgentOverheadBenchmark {

  @Override
  void checkAttachment() {
    // JMH hands its own JVM options to the fork, so a -javaagent given on the command line would
    // silently turn the baseline into a second agent run.
    if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream().anyMatch(a -> a.startsWith("-javaagent"))) {
      throw new IllegalStateException("the no-agent baseline runs with an agent: "
          + ManagementFactory.getRuntimeMXBean().getInputArguments());
    }
  }
}
