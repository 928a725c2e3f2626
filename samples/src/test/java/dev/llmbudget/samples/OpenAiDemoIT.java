package dev.llmbudget.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs the README's first command: the demo jar with the agent, a $0.0005 budget per user. */
class OpenAiDemoIT {

  @Test
  void aliceIsBlockedBeforeHerBudgetIsExceededAndTheTableSaysItHeld() throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:off",
        "-javaagent:" + Path.of(System.getProperty("llmbudget.it.agentJar")).toAbsolutePath(),
        "-Dllmbudget.store=memory", "-Dllmbudget.user.max_budget=0.0005",
        "-jar", Path.of(System.getProperty("llmbudget.it.demoJar")).toAbsolutePath().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("OPENAI_API_KEY");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);

    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("alice  BLOCKED before the request was sent");
    assertThat(out).doesNotContain("bob    BLOCKED").doesNotContain("BUDGET EXCEEDED");
    assertThat(out).contains("alice    spent $").contains("of $0.0005: the budget held");
    Matcher alice = Pattern.compile("alice\\s+gpt-4o-mini\\s+(\\S+)\\s").matcher(out);
    assertThat(alice.find()).as(out).isTrue();
    // Four answers of about 26 prompt and 180 completion tokens fit; the fifth reservation does not.
    assertThat(new BigDecimal(alice.group(1))).isLessThanOrEqualTo(new BigDecimal("0.0005"))
        .isGreaterThan(new BigDecimal("0.0004"));
  }
}
