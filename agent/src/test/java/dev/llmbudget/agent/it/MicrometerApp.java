package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Comparator;

/**
 * An application with Micrometer and no code for llm-budget: {@code MicrometerApp <baseUrl> <calls>}
 * makes {@code calls} openai-java calls as alice (the last ones may be refused), then, as Spring
 * Boot does once its context is up, adds a registry to {@code Metrics.globalRegistry} and prints
 * every meter it sees: {@code METER <name> <tags> <value>}.
 */
public final class MicrometerApp {

  public static void main(String[] args) throws Exception {
    OpenAiCalls calls = new OpenAiCalls(args[0], 10);
    // Micrometer is first touched here, long after premain, as in most applications.
    Metrics.counter("app.started").increment();
    int n = Integer.parseInt(args[1]);
    for (int i = 0; i < n; i++) {
      try {
        BudgetContext.call("alice", () -> {
          calls.sync();
          return null;
        });
        System.out.println("CALL OK");
      } catch (BudgetExceededError e) {
        System.out.println("CALL BLOCKED");
      }
    }
    SimpleMeterRegistry scraped = new SimpleMeterRegistry();
    Metrics.addRegistry(scraped);
    scraped.getMeters().stream().sorted(Comparator.comparing(m -> m.getId().toString())).forEach(m -> {
      StringBuilder tags = new StringBuilder();
      m.getId().getTags().forEach(t -> tags.append(t.getKey()).append('=').append(t.getValue()).append(';'));
      double value = 0;
      for (io.micrometer.core.instrument.Measurement v : m.measure()) {
        value = v.getValue();
      }
      System.out.println("METER " + m.getId().getName() + " " + tags + " " + value
          + (m.getId().getBaseUnit() == null ? "" : " " + m.getId().getBaseUnit()));
    });
  }

  private MicrometerApp() {}

}
