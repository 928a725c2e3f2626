package dev.llmbudget.agent.it;

import static dev.llmbudget.testkit.DefaultPrices.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmbudget.testkit.ChildClassPath;
import dev.llmbudget.testkit.ChildJvm;
import dev.llmbudget.testkit.FakeLlmServer;
import java.io.File;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the agent starts, is configured and shares its state with the host, shown with openai-java 4.x. */
class AgentStartupIT {

  static FakeLlmServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = FakeLlmServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void reset() {
    server.resetCounts();
    server.usage(20, 10).cache(0, 0).reasoning(0).failNext(0);
  }

  private ChildJvm.Result openAi(ChildJvm jvm, String... steps) throws Exception {
    String[] args = new String[steps.length + 3];
    args[0] = "openai";
    args[1] = server.baseUrl();
    args[2] = "100";
    System.arraycopy(steps, 0, args, 3, steps.length);
    return jvm.run(SdkApp.class.getName(), args);
  }

  @Test
  void withoutABudgetTheAppWorksUnchangedAndSpendIsTracked() throws Exception {
    ChildJvm.Result r = openAi(new ChildJvm().agentArgs("store=memory").jvmArg("-Dllmbudget.debug.startup=true"),
        "sync", "async", "stream");

    assertThat(r.exitCode()).isZero();
    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.step("async")).isEqualTo("OK");
    assertThat(r.step("stream")).isEqualTo("OK");
    assertThat(r.spent("global")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10).multiply(BigDecimal.valueOf(3)));
    assertThat(r.output()).contains("llm-budget: agent installed in");
  }

  @Test
  void withoutTheSdkTheAppWorksAndCoreAndRelocatedJtokkitLoadFromTheAgent() throws Exception {
    ChildJvm.Result r = new ChildJvm().classPath(ChildClassPath.testClassesOnly()).agentArgs("store=memory,max_budget=1")
        .run(SdkApp.class.getName(), "nosdk");

    assertThat(r.exitCode()).isZero();
    assertThat(r.output()).contains("APP OK without SDK, core loader=bootstrap").contains("TOKENS 2");
  }

  @Test
  void aBadValueStopsStartUpWithOneLineNamingItsKeyAndExitStatus1() throws Exception {
    String expected = "llm-budget: bad configuration, the agent cannot start: "
        + "llmbudget.max_budget: '5$' is not a dollar amount (e.g. 5.00)\n";
    for (ChildJvm jvm : new ChildJvm[] {new ChildJvm().agentArgs("max_budget=5$"),
        new ChildJvm().systemProperty("llmbudget.max_budget", "5$")}) {
      ChildJvm.Result r = openAi(jvm, "sync");

      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.output()).isEqualTo(expected);
    }
    assertThat(server.totalRequests()).isZero();

    ChildJvm.Result debug = openAi(new ChildJvm().agentArgs("max_budget=5$,debug=true"), "sync");
    assertThat(debug.exitCode()).isEqualTo(1);
    assertThat(debug.output()).startsWith(expected).contains("java.lang.IllegalArgumentException")
        .doesNotContain("FATAL ERROR");
  }

  @Test
  void misspelledKeysAreNamedWithTheClosestKnownOneFromEverySource() throws Exception {
    ChildJvm.Result property = openAi(new ChildJvm().agentArgs("store=memory")
        .systemProperty("llmbudget.maxbudget", "0.002"), "sync");
    assertThat(property.step("sync")).isEqualTo("OK");
    assertThat(property.output()).containsOnlyOnce(
        "unknown system property 'llmbudget.maxbudget' is ignored; did you mean llmbudget.max_budget?");

    ChildJvm.Result env = openAi(new ChildJvm().agentArgs("store=memory").environment("LLMBUDGET_MAXBUDGET", "0.002"), "sync");
    assertThat(env.step("sync")).isEqualTo("OK");
    assertThat(env.output()).containsOnlyOnce(
        "unknown environment variable 'LLMBUDGET_MAXBUDGET' is ignored; did you mean LLMBUDGET_MAX_BUDGET?");

    ChildJvm.Result arg = openAi(new ChildJvm().agentArgs("store=memory,maxbudget=0.002"), "sync");
    assertThat(arg.exitCode()).isEqualTo(1);
    assertThat(arg.output()).startsWith("llm-budget: bad configuration, the agent cannot start: "
        + "unknown agent argument 'llmbudget.maxbudget'");
  }

  @Test
  void enabledFalseInstallsNothingAndLoadsNoClassOfTheAgentButItsEntryPoint(@TempDir Path dir) throws Exception {
    Path loaded = dir.resolve("class-load.log");
    ChildJvm.Result r = openAi(new ChildJvm().agentArgs("enabled=false,store=memory,max_budget=0.000001")
        .jvmArg("-Xlog:class+load:file=" + loaded), "sync");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.output()).containsOnlyOnce("llm-budget: llmbudget.enabled=false, the agent installs nothing");
    assertThat(server.totalRequests()).isEqualTo(1);
    // The app's own calls to core still find it in the agent jar, which the JVM puts on the
    // application class path ("source: file:..."); nothing goes to the bootstrap loader (a bare
    // path), and nothing of the agent's installer or Byte Buddy is loaded at all.
    List<String> lines = Files.readAllLines(loaded);
    assertThat(lines).filteredOn(line -> line.contains("source: " + ChildJvm.AGENT_JAR)).isEmpty();
    assertThat(lines).filteredOn(line -> line.contains("dev.llmbudget.agent.") && !line.contains("dev.llmbudget.agent.it.")
        || line.contains("bytebuddy"))
        .extracting(line -> line.replaceAll(".*\\[class,load\\] (\\S+) source:.*", "$1"))
        .containsExactly("dev.llmbudget.agent.LlmBudgetAgent");

    // The environment variable, and a different case, switch it off the same way.
    ChildJvm.Result env = openAi(new ChildJvm().agentArgs("store=memory,max_budget=0.000001")
        .environment("LLMBUDGET_ENABLED", " FALSE "), "sync");
    assertThat(env.step("sync")).isEqualTo("OK");
    assertThat(server.totalRequests()).isEqualTo(2);
  }

  @Test
  void anOpenAiAppIsMeteredWithoutLoadingByteBuddyOnlyItsAsm(@TempDir Path dir) throws Exception {
    // Byte Buddy's Advice costs ~700 classes; the Stainless SDKs are woven with the ASM inside its jar.
    Path loaded = dir.resolve("class-load.log");
    ChildJvm.Result r = openAi(new ChildJvm().agentArgs("store=memory,max_budget=10")
        .jvmArg("-Xlog:class+load:file=" + loaded), "sync");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.spent("global")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
    List<String> lines = Files.readAllLines(loaded);
    assertThat(lines).filteredOn(line -> line.contains("shaded.bytebuddy.jar.asm.ClassWriter ")).hasSize(1);
    assertThat(lines).filteredOn(line -> line.contains("shaded.bytebuddy.") && !line.contains("shaded.bytebuddy.jar.asm."))
        .isEmpty();
  }

  @Test
  void anAppThatNobodyWatchesOverJmxGetsNoMBeanServerFromTheAgent(@TempDir Path dir) throws Exception {
    // JmxIT shows the bean is there once a JMX client attaches.
    Path loaded = dir.resolve("class-load.log");
    ChildJvm.Result r = openAi(new ChildJvm().agentArgs("store=memory,max_budget=10")
        .jvmArg("-Xlog:class+load:file=" + loaded), "sync");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.spent("global")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
    assertThat(Files.readAllLines(loaded)).filteredOn(line -> line.contains("javax.management.")
        || line.contains("com.sun.jmx.")).isEmpty();
  }

  @Test
  void anUnknownModelIsRefusedUnderBlockAndChargedNothingUnderWarn() throws Exception {
    ChildJvm.Result blocked = openAi(new ChildJvm().agentArgs("store=memory,max_budget=10,unknown_model=block")
        .jvmArg("-Dit.model=no-such-model"), "sync", "async", "stored-prompt");

    // A refusal like any other budget refusal: only BudgetExceededError and its subclasses reach the host.
    assertThat(blocked.step("sync")).startsWith("BLOCKED UnknownModelException Model 'no-such-model'");
    assertThat(blocked.step("async")).startsWith("BLOCKED UnknownModelException Model 'no-such-model'");
    // A call that names no model (its stored prompt chooses it) cannot be bounded either.
    assertThat(blocked.step("stored-prompt")).startsWith("BLOCKED UnknownModelException The call names no model");
    assertThat(server.totalRequests()).isZero();

    ChildJvm.Result warned = openAi(new ChildJvm().agentArgs("store=memory,max_budget=10")
        .jvmArg("-Dit.model=no-such-model"), "sync");

    assertThat(warned.step("sync")).isEqualTo("OK");
    assertThat(warned.output()).contains("'no-such-model' is not in the price table");
    assertThat(warned.spent("global")).isZero();
    assertThat(server.totalRequests()).isEqualTo(1);

    ChildJvm.Result aliased = openAi(new ChildJvm().agentArgs("store=memory,max_budget=10,unknown_model=block,"
        + "model_aliases=no-such-model:" + OpenAiCalls.MODEL + ",other:gpt-4o").jvmArg("-Dit.model=no-such-model"), "sync");

    assertThat(aliased.step("sync")).isEqualTo("OK");
    assertThat(aliased.spent("global")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
  }

  @Test
  void responsesEmbeddingsAndStreamsWithoutUsageAreCharged() throws Exception {
    ChildJvm.Result r = openAi(new ChildJvm().agentArgs("store=memory,max_budget=10,user.budgets=erin:0.0001"),
        "responses@alice", "embeddings@bob", "stream-nousage@carol", "stored-prompt@dave", "n3@erin", "sync@erin",
        "background@frank");

    assertThat(r.spent("alice")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
    // No model in the request: nothing to bound it by (one warning), but its answer is priced as it says.
    assertThat(r.step("stored-prompt@dave")).isEqualTo("OK");
    assertThat(r.output()).contains("an LLM call names no model");
    assertThat(r.spent("dave")).isEqualByComparingTo(price(FakeLlmServer.STORED_PROMPT_MODEL, 20, 10));
    // n=3 with a cap of 100: three answers of up to 100 tokens each do not fit erin's $0.0001; one does.
    assertThat(r.step("n3@erin")).isEqualTo("BLOCKED user:erin");
    assertThat(r.step("sync@erin")).isEqualTo("OK");
    assertThat(r.spent("erin")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
    // Queued in the background, answered without usage: charged its prompt bound and its cap of 100,
    // what it reserved, not the prompt alone.
    assertThat(r.step("background@frank")).isEqualTo("OK");
    assertThat(r.output()).contains("runs in the background");
    assertThat(r.spent("frank")).isGreaterThan(price(OpenAiCalls.MODEL, 0, 100))
        .isLessThan(price(OpenAiCalls.MODEL, 100, 100));
    assertThat(r.spent("bob")).isEqualByComparingTo(price("text-embedding-3-small", 20, 0));
    // The app asked for no usage in its stream: the agent asked for it, so it is charged exactly.
    assertThat(r.spent("carol")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
  }

  @Test
  void anAppWithItsOwnCoreInAChildClassLoaderSharesTheAgentsState() throws Exception {
    String childClassPath = ChildClassPath.newest() + File.pathSeparator + System.getProperty("llmbudget.it.coreJar");
    ChildJvm.Result r = new ChildJvm().classPath(ChildClassPath.testClassesOnly()).agentArgs("store=memory,max_budget=10")
        .jvmArg("-Dit.child.classpath=" + childClassPath).jvmArg("-Dit.manager=true")
        .run(ChildLoaderApp.class.getName(), "openai", server.baseUrl(), "100", "sync@alice", "async@alice");

    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).contains("APP loader=child sdk loader=child");
    BigDecimal two = price(OpenAiCalls.MODEL, 20, 10).multiply(BigDecimal.valueOf(2));
    assertThat(r.spent("alice")).isEqualByComparingTo(two);
    assertThat(new BigDecimal(r.value("MANAGER alice ").split(" ")[0])).isEqualByComparingTo(two);
    assertThat(r.value("MANAGER alice ")).endsWith("loader=bootstrap");
  }

  @Test
  void attachingToARunningJvmMetersSdkClassesAlreadyLoaded() throws Exception {
    ChildJvm.Result r = openAi(new ChildJvm().withoutAgent()
            .jvmArg("-Djdk.attach.allowAttachSelf=true")
            .jvmArg("-Dit.attach.args=store=memory,max_budget=0.000001"),
        "sync", "attach:" + ChildJvm.AGENT_JAR, "sync@alice");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.output()).contains("ATTACHED");
    assertThat(r.step("sync@alice")).isEqualTo("BLOCKED global");
    assertThat(server.totalRequests()).isEqualTo(1);
  }

  @Test
  void spendPersistsAcrossTwoRunsWithTheLocalStore(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("user_cost.json");
    ChildJvm jvm = new ChildJvm().agentArgs("max_budget=10").jvmArg("-Dllmbudget.store.path=" + file);

    Path loaded = dir.resolve("class-load.log");
    ChildJvm.Result first = openAi(new ChildJvm().agentArgs("max_budget=10").jvmArg("-Dllmbudget.store.path=" + file)
        .jvmArg("-Xlog:class+load:file=" + loaded), "sync@alice");
    assertThat(first.step("sync@alice")).isEqualTo("OK");
    assumeTrue(Files.exists(file), "the local store in this build keeps nothing on disk (placeholder LocalFileStore)");
    // The file is written and read with jackson-core alone: databind is ~200 classes to load at start.
    assertThat(Files.readAllLines(loaded)).filteredOn(line -> line.contains("dev.llmbudget.shaded.jackson.databind."))
        .isEmpty();
    Path loadedAgain = dir.resolve("class-load-2.log");
    ChildJvm.Result second = openAi(jvm.jvmArg("-Xlog:class+load:file=" + loadedAgain), "sync@alice");
    assertThat(Files.readAllLines(loadedAgain)).filteredOn(line -> line.contains("dev.llmbudget.shaded.jackson.databind."))
        .isEmpty();

    assertThat(second.spent("alice")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10).multiply(BigDecimal.valueOf(2)));
  }

  @Test
  void oneLineAtStartSaysWhatIsEnforcedUnlessQuiet(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("user_cost.json");
    Files.writeString(file, "{\"$global\": {\"total_budget\": 5.0, \"current_cost\": 1.23, \"duration\": \"monthly\","
        + " \"created_at\": 1767225600.0, \"last_updated_at\": " + (System.currentTimeMillis() / 1000 - 60) + ".0}}");
    ChildJvm.Result r = openAi(new ChildJvm().systemProperty("llmbudget.store.path", file.toString())
        .agentArgs("max_budget=5.00,max_budget_duration=monthly,user.max_budget=0.10,user.budget_duration=daily"), "sync");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.lines()).containsOnlyOnce("llm-budget " + System.getProperty("llmbudget.it.version") + ": global $5 monthly"
        + " (spent $1.23), users $0.1 each daily, store local file " + file.toAbsolutePath().normalize() + ", on_error=block, output_reserve=model_max");

    ChildJvm.Result quiet = openAi(new ChildJvm().systemProperty("llmbudget.store.path", file.toString())
        .agentArgs("max_budget=5.00,max_budget_duration=monthly,quiet=true"), "sync");
    assertThat(quiet.output()).doesNotContain("llm-budget " + System.getProperty("llmbudget.it.version"));
  }
  @Test
  void thePricesAndVersionComeFromTheAgentJarNotFromAnAppsOwnCopyOfCore(@TempDir Path dir) throws Exception {
    // An app that bundles another llm-budget-core has these resources first on its class path; the
    // agent used to read its price table (here one a thousand times dearer) and version from there.
    Path appCore = dir.resolve("app-core.jar");
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(appCore))) {
      out.putNextEntry(new java.util.zip.ZipEntry("dev/llmbudget/version.properties"));
      out.write("version=0.0.1-app\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.putNextEntry(new java.util.zip.ZipEntry("dev/llmbudget/pricing/model_prices.idx"));
      out.write("LLMP not an index of this version".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      out.putNextEntry(new java.util.zip.ZipEntry("dev/llmbudget/pricing/model_prices_and_context_window.json"));
      out.write(("{\"" + OpenAiCalls.MODEL + "\": {\"litellm_provider\": \"openai\", \"mode\": \"chat\", "
          + "\"input_cost_per_token\": 0.001, \"output_cost_per_token\": 0.001}}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    ChildJvm.Result r = openAi(new ChildJvm().classPath(appCore + File.pathSeparator + ChildClassPath.newest())
        .agentArgs("store=memory"), "sync");

    assertThat(r.step("sync")).isEqualTo("OK");
    assertThat(r.spent("global")).isEqualByComparingTo(price(OpenAiCalls.MODEL, 20, 10));
    assertThat(r.output()).contains("llm-budget " + System.getProperty("llmbudget.it.version") + ": ")
        .doesNotContain("0.0.1-app");
  }
}
