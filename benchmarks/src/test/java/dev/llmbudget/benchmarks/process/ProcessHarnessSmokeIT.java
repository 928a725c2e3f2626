package dev.llmbudget.benchmarks.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A tiny run of the harness's per-call comparison (one round, no warm-up, two short calls; the
 * long prompt always makes 50), so the harness and the app it starts with and without the agent
 * cannot rot between measuring sessions. It checks that figures come out, not what they are.
 * Start-up is left out: it needs the OpenTelemetry agent, which only run-process.sh fetches.
 */
class ProcessHarnessSmokeIT {

  @Test
  void oneRoundOfCallsGivesATableWithFiguresForEveryCase() throws Exception {
    Path agentJar = Path.of(System.getProperty("llmbudget.it.agentJar"));
    assertThat(agentJar).as("the agent jar; build the agent module first").isRegularFile();

    PrintStream stdout = System.out;
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    System.setOut(new PrintStream(table, true, StandardCharsets.UTF_8));
    try {
      ProcessHarness.main(new String[] {"calls", agentJar.toString(), "1", "0", "2"});
    } finally {
      System.setOut(stdout);
    }
    String out = table.toString(StandardCharsets.UTF_8);
    stdout.print(out);

    List<String> rows = out.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| Case"))
        .collect(Collectors.toList());
    assertThat(rows).extracting(r -> r.split("\\|")[1].trim())
        .containsExactly("short-blocking", "short-streaming", "long-blocking", "long-streaming");
    for (String row : rows) {
      String[] cells = row.split("\\|");
      // "median / p99" without and with the agent: a loopback call takes time in both
      for (int cell : new int[] {3, 4}) {
        String[] medianAndP99 = cells[cell].trim().split(" / ");
        assertThat(Double.parseDouble(medianAndP99[0])).as("%s, column %d", row, cell).isPositive();
        assertThat(Double.parseDouble(medianAndP99[1])).as("%s, column %d", row, cell)
            .isGreaterThanOrEqualTo(Double.parseDouble(medianAndP99[0]));
      }
    }
  }
}
