package dev.llmbudget.benchmarks;

import dev.llmbudget.BudgetManager;
import java.math.BigDecimal;
import org.openjdk.jmh.annotations.Fork;

/**
 * {@link AgentOverheadBenchmark} with the agent attached: memory store, ample budgets. The path is
 * relative because an annotation cannot compute one; JMH forks in its own working directory, so
 * run {@code java -jar benchmarks/target/benchmarks.jar} from the repository root, as run.sh does.
 */
@Fork(value = 1, jvmArgsAppend = {"-javaagent:agent/target/llm-budget-agent.jar",
    "-Dllmbudget.store=memory", "-Dllmbudget.max_budget=1000000", "-Dllmbudget.user.max_budget=1000"})
public class AgentOverheadWithAgentBenchmark extends AgentOverheadBenchmark {

  @Override
  void checkAttachment() {
    // The set-up's call must have been charged, or this fork measures the SDK alone and the
    // difference to the baseline would be noise passed off as a figure.
    BigDecimal spent = BudgetManager.configured().getCurrentCost(USER);
    if (spent == null || spent.signum() <= 0) {
      throw new IllegalStateException("the agent charged nothing for a call as " + USER
          + " (spent " + spent + "): is -javaagent:agent/target/llm-budget-agent.jar attached?"
          + " Run from the repository root.");
    }
  }
}
