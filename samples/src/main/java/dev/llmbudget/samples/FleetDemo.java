package dev.llmbudget.samples;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.testkit.FakeLlmServer;
import dev.llmbudget.testkit.RedisServer;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One budget for a fleet: two JVMs of the same openai-java app (two "pods") call for user alice at
 * once, each with the agent and {@code llmbudget.store=redis} pointing at one redis-server, and
 * alice's $0.001 holds across both. Without {@code OPENAI_API_KEY} it starts the redis-server that
 * Maven Central ships and an OpenAI-compatible endpoint on 127.0.0.1; run it with the agent:
 * {@code java -javaagent:agent/target/llm-budget-agent.jar -Dllmbudget.store=memory -cp samples/target/llm-budget-demo.jar
 * dev.llmbudget.samples.FleetDemo}.
 */
public final class FleetDemo {

  static final String BUDGET = "0.001";
  private static final int MAX_CALLS = 20;

  private FleetDemo() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("pod")) {
      pod(args[1], args[2]);
      return;
    }
    String agent = agentJar();
    try (RedisServer redis = RedisServer.start();
        FakeLlmServer llm = FakeLlmServer.start().countedUsage(180)
            .reply("Here is a short, helpful answer from the local model.", 4)) {
      System.out.println("redis-server at " + redis.url() + ", OpenAI-compatible endpoint at " + llm.openAiBaseUrl());
      List<Process> pods = new ArrayList<>();
      for (String pod : List.of("pod-1", "pod-2")) {
        pods.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-javaagent:" + agent, "-Xshare:off", "-Dllmbudget.store=redis", "-Dllmbudget.redis.url=" + redis.url(),
            "-Dllmbudget.user.max_budget=" + BUDGET, "-Dllmbudget.quiet=true",
            "-cp", System.getProperty("java.class.path"), FleetDemo.class.getName(), "pod", pod, llm.openAiBaseUrl())
            .inheritIO().start());
      }
      for (Process p : pods) {
        if (p.waitFor() != 0) {
          throw new IllegalStateException("a pod failed with exit status " + p.exitValue());
        }
      }
      BudgetManager budgets = new BudgetManager("default", "redis", redis.url());
      BigDecimal spent = budgets.getCurrentCost("alice");
      System.out.println();
      System.out.println("alice spent $" + spent.stripTrailingZeros().toPlainString() + " of $" + BUDGET
          + " across both pods, in " + llm.totalRequests() + " calls: "
          + (spent.compareTo(new BigDecimal(BUDGET)) <= 0 ? "the budget held" : "BUDGET EXCEEDED"));
    }
  }

  /** One pod: alice asks until her shared budget refuses the call. */
  private static void pod(String name, String baseUrl) {
    OpenAIClient client = OpenAIOkHttpClient.builder().apiKey("demo-key").baseUrl(baseUrl).build();
    for (int i = 1; i <= MAX_CALLS; i++) {
      ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O_MINI)
          .addUserMessage("Question " + i + " from " + name + ": what is a budget?").maxCompletionTokens(200).build();
      try {
        BudgetContext.run("alice", () -> client.chat().completions().create(params));
        System.out.println(name + " alice call " + i + " OK");
      } catch (BudgetExceededError e) {
        System.out.println(name + " alice BLOCKED: " + e.getMessage());
        return;
      }
    }
  }

  /** The agent this JVM runs with, so the pods get the same one. */
  private static String agentJar() {
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("-javaagent:")) {
        String jar = arg.substring("-javaagent:".length());
        int eq = jar.indexOf('=');
        return eq < 0 ? jar : jar.substring(0, eq);
      }
    }
    throw new IllegalStateException("run it with the agent: java -javaagent:agent/target/llm-budget-agent.jar "
        + "-cp samples/target/llm-budget-demo.jar " + FleetDemo.class.getName());
  }
}
