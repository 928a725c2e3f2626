package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.tools.attach.VirtualMachine;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 item 3: an operator reads the budget of a running application with the agent through
 * JMX, from another JVM (this test), attached by the JDK's attach API as jconsole or a JMX exporter
 * would, with nothing configured in the application.
 */
class JmxIT {

  @Test
  void theGlobalBudgetAndCallCountsAreReadableFromAnotherJvm(@TempDir Path dir) throws Exception {
    BigDecimal perCall = price(OpenAiCalls.MODEL, 20, 10);
    BigDecimal limit = perCall.multiply(new BigDecimal("3.5"));
    Path stop = dir.resolve("stop");
    Path log = dir.resolve("app.out");
    try (FakeLlmServer llm = FakeLlmServer.start()) {
      llm.usage(20, 10);
      List<String> cmd = new ChildJvm().agentArgs("store=memory,quiet=true,max_budget=" + limit.toPlainString())
          .command(LoopApp.class.getName(), llm.openAiBaseUrl(), "alice", stop.toString());
      Process app = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      try {
        long deadline = System.currentTimeMillis() + 60_000;
        while (count(log, "BLOCKED") < 3) {
          if (System.currentTimeMillis() > deadline || !app.isAlive()) {
            fail("the app never ran out of budget:\n" + Files.readString(log));
          }
          Thread.sleep(50);
        }
        long ok = count(log, "OK");
        long blockedBefore = count(log, "BLOCKED");

        VirtualMachine vm = VirtualMachine.attach(Long.toString(app.pid()));
        String address;
        try {
          address = vm.startLocalManagementAgent();
        } finally {
          vm.detach();
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
          MBeanServerConnection jmx = connector.getMBeanServerConnection();
          ObjectName name = new ObjectName("dev.llmbudget:type=Budget,name=global");

          assertThat(ok).isEqualTo(3);
          assertThat((BigDecimal) jmx.getAttribute(name, "CurrentCost")).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(3)));
          assertThat((BigDecimal) jmx.getAttribute(name, "MaxBudget")).isEqualByComparingTo(limit);
          assertThat((BigDecimal) jmx.getAttribute(name, "Reserved")).isZero();
          assertThat((BigDecimal) jmx.getAttribute(name, "Remaining")).isEqualByComparingTo(perCall.multiply(new BigDecimal("0.5")));
          assertThat((Long) jmx.getAttribute(name, "CallsMetered")).isEqualTo(3L);
          assertThat((Long) jmx.getAttribute(name, "CallsBlocked")).isGreaterThanOrEqualTo(blockedBefore);
          assertThat((Long) jmx.getAttribute(name, "CallsUnmetered")).isZero();
          assertThat((Long) jmx.getAttribute(name, "CallsEstimated")).isZero();
          TabularData byModel = (TabularData) jmx.getAttribute(name, "CostByModel");
          assertThat(byModel.size()).isEqualTo(1);
          CompositeData row = (CompositeData) byModel.values().iterator().next();
          assertThat((String) row.get("key")).startsWith("gpt-4o-mini");
          assertThat((BigDecimal) row.get("value")).isEqualByComparingTo(perCall.multiply(BigDecimal.valueOf(3)));
        }
      } finally {
        Files.writeString(stop, "");
        if (!app.waitFor(30, TimeUnit.SECONDS)) {
          app.destroyForcibly();
        }
        System.out.println("---- app\n" + Files.readString(log));
      }
    }
  }

  private static long count(Path log, String result) throws IOException {
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("CALL ") && l.endsWith(" " + result)).count();
  }
}
