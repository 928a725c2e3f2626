package dev.llmbudget.samples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the demo's Spring Boot fat jar as its README command does. Spring Boot loads the app,
 * Spring AI and the app's own llm-budget-core from nested jars in a child class loader; the test
 * shows that the agent still meters Spring AI there and that the app's BudgetManager reads the
 * agent's charges.
 */
class SpringAiDemoIT {

  @Test
  void theFatJarWithTheAgentBlocksAliceAndItsBudgetManagerSeesTheAgentsCharges() throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:off",
        "-javaagent:" + Path.of(System.getProperty("llmbudget.it.agentJar")).toAbsolutePath(),
        "-Dllmbudget.store=memory", "-Dllmbudget.user.max_budget=0.0005",
        "-jar", Path.of(System.getProperty("llmbudget.it.demoJar")).toAbsolutePath().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("OPENAI_API_KEY");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);

    assertThat(p.exitValue()).as(out).isZero();
    // gpt-4o-mini, the prompt as counted (about 15 tokens) and 180 completion tokens per answer:
    // about $0.00011 each, so four fit in alice's $0.0005 and the fifth reservation does not.
    assertThat(out).contains("alice  BLOCKED before the request was sent");
    assertThat(out).containsPattern("alice\\s+gpt-4o-mini\\s+0\\.000(4[0-9]|50)\\d*\\s");
    assertThat(out).containsPattern("bob\\s+gpt-4o-mini\\s+0\\.0002\\d*\\s");
    assertThat(out).contains("alice    spent $").contains("of $0.0005: the budget held").doesNotContain("BUDGET EXCEEDED");
    assertThat(out).doesNotContain("bob    BLOCKED");
    assertThat(out).contains("llm-budget core loaded by: the agent (shared state)");
  }
}
