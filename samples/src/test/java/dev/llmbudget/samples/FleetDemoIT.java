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

/** Runs the README's fleet sample: two pods with the agent on one redis-server share alice's budget. */
class FleetDemoIT {

  @Test
  void twoPodsOnOneRedisShareOneBudgetAndItHolds() throws Exception {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:off", "-javaagent:" + Path.of(System.getProperty("llmbudget.it.agentJar")).toAbsolutePath(),
        "-Dllmbudget.store=memory",
        "-cp", Path.of(System.getProperty("llmbudget.it.demoJar")).toAbsolutePath().toString(),
        FleetDemo.class.getName());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    System.out.println(out);

    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("pod-1 alice call 1 OK").contains("pod-2 alice call 1 OK")
        .contains("pod-1 alice BLOCKED").contains("pod-2 alice BLOCKED");
    Matcher spent = Pattern.compile("alice spent \\$(\\S+) of \\$0.001 across both pods, in (\\d+) calls: the budget held")
        .matcher(out);
    assertThat(spent.find()).as(out).isTrue();
    // Each call costs about $0.000112 (its prompt and 180 output tokens): the pods share one budget,
    // so together they make the 8 calls that fit, not 8 each.
    assertThat(new BigDecimal(spent.group(1))).isLessThanOrEqualTo(new BigDecimal("0.001"))
        .isGreaterThan(new BigDecimal("0.0008"));
    assertThat(Integer.parseInt(spent.group(2))).isBetween(7, 9);
  }
}
