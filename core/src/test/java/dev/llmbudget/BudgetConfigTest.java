package dev.llmbudget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BudgetConfigTest {

  @Test
  void onErrorBlocksByDefaultOnlyWhenABudgetIsConfigured() {
    assertThat(BudgetConfig.of(Map.of()).onError()).isEqualTo("allow");
    assertThat(BudgetConfig.of(Map.of("llmbudget.max_budget", "1")).onError()).isEqualTo("block");
    assertThat(BudgetConfig.of(Map.of("llmbudget.user.max_budget", "1")).onError()).isEqualTo("block");
    assertThat(BudgetConfig.of(Map.of("llmbudget.max_budget", "1", "llmbudget.on_error", "ALLOW")).onError())
        .isEqualTo("allow");
    assertThat(BudgetConfig.of(Map.of("llmbudget.on_error", "block")).onError()).isEqualTo("block");
    assertThatThrownBy(() -> BudgetConfig.from(BudgetConfig.parseAgentArgs("on_error=ignore"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("llmbudget.on_error must be one of block, allow, was 'ignore'");
  }

  @Test
  void agentArgumentsWinOverSystemPropertiesWhichWinOverEnvironment() {
    System.setProperty("llmbudget.user.max_budget", "0.50");
    System.setProperty("llmbudget.project", "from-property");
    try {
      BudgetConfig c = BudgetConfig.from(BudgetConfig.parseAgentArgs("max_budget=5.00,llmbudget.project=from-arg"),
          Map.of("LLMBUDGET_MAX_BUDGET", "9", "LLMBUDGET_USER_MAX_BUDGET", "7", "LLMBUDGET_MDC_KEY", "tenant"));
      assertThat(c.maxBudget()).isEqualByComparingTo("5.00");
      assertThat(c.project()).isEqualTo("from-arg");
      assertThat(c.userMaxBudget()).isEqualByComparingTo("0.50");
      assertThat(c.mdcKey()).isEqualTo("tenant");
    } finally {
      System.clearProperty("llmbudget.user.max_budget");
      System.clearProperty("llmbudget.project");
    }
  }

  @Test
  void defaultsAreDocumentedValues() {
    BudgetConfig c = BudgetConfig.of(Map.of());
    assertThat(c.maxBudget()).isNull();
    assertThat(c.store()).isEqualTo("local");
    assertThat(c.storePath().toString()).isEqualTo("user_cost.json");
    assertThat(c.flushInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.mdcKey()).isEqualTo("userId");
    assertThat(c.unknownModel()).isEqualTo(UnknownModelPolicy.WARN);
    assertThat(c.zone()).isEqualTo(ZoneId.of("UTC"));
    assertThat(c.enabled()).isTrue();
    assertThat(c.azureDeployments()).isEmpty();
  }

  @Test
  void parsesEveryKind() {
    BudgetConfig c = BudgetConfig.of(Map.of(
        "llmbudget.max_budget_duration", "monthly",
        "llmbudget.store", "HOSTED",
        "llmbudget.api_base", "http://127.0.0.1:4000",
        "llmbudget.store.flush_interval", "250ms",
        "llmbudget.unknown_model", "block",
        "llmbudget.timezone", "Europe/Berlin",
        "llmbudget.azure.deployments", "prod-chat:gpt-4o;cheap:gpt-4o-mini"));
    assertThat(c.maxBudgetDuration()).isEqualTo(BudgetDuration.MONTHLY);
    assertThat(c.store()).isEqualTo("hosted");
    assertThat(c.flushInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.unknownModel()).isEqualTo(UnknownModelPolicy.BLOCK);
    assertThat(c.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    assertThat(c.azureDeployments()).containsEntry("prod-chat", "gpt-4o").containsEntry("cheap", "gpt-4o-mini");
  }

  @Test
  void redisSettingsAreParsedAndABadUrlIsRefusedWithoutShowingItsPassword() {
    BudgetConfig c = BudgetConfig.of(Map.of("llmbudget.store", "redis", "llmbudget.redis.url", "rediss://app:pw@cache:6380/2"));
    assertThat(c.store()).isEqualTo("redis");
    assertThat(c.redisUrl()).isEqualTo("rediss://app:pw@cache:6380/2");
    assertThat(c.redisTimeout()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(c.offlineAllowance()).isEqualByComparingTo("1.00");
    assertThat(BudgetConfig.of(Map.of("llmbudget.store", "redis", "llmbudget.redis.cluster", "r1:7000, r2:7001"))
        .redisCluster()).isEqualTo("r1:7000, r2:7001");

    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.redis.url", "http://app:s3cret@cache:6379")))
        .hasMessageContaining("llmbudget.redis.url").hasMessageContaining("redis://")
        .hasMessageContaining("app:***@").hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.redis.url", "redis://:s3cret@cache:6379/zero")))
        .hasMessageContaining("database number").hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.redis.cluster", "r1:7000,r2")))
        .hasMessageContaining("llmbudget.redis.cluster").hasMessageContaining("'r2'");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store.offline_allowance", "-1")))
        .hasMessageContaining("llmbudget.store.offline_allowance");
  }

  @Test
  void aBadValueNamesItsKey() {
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.max_budget", "five")))
        .hasMessageContaining("llmbudget.max_budget").hasMessageContaining("five");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.user.max_budget", "-1")))
        .hasMessageContaining("llmbudget.user.max_budget").hasMessageContaining("negative");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.max_budget_duration", "sometimes")))
        .hasMessageContaining("llmbudget.max_budget_duration");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store", "cassandra")))
        .hasMessageContaining("llmbudget.store").hasMessageContaining("local, memory, hosted");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store", "redis")))
        .hasMessageContaining("llmbudget.redis.url").hasMessageContaining("llmbudget.redis.cluster");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store", "hosted")))
        .hasMessageContaining("llmbudget.api_base");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.unknown_model", "maybe")))
        .hasMessageContaining("llmbudget.unknown_model");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.timezone", "Mars/Olympus")))
        .hasMessageContaining("llmbudget.timezone");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store.flush_interval", "0s")))
        .hasMessageContaining("llmbudget.store.flush_interval");
    assertThatThrownBy(() -> BudgetConfig.parseAgentArgs("max_budget"))
        .hasMessageContaining("key=value");
    assertThatThrownBy(() -> BudgetConfig.parseAgentArgs("max_buget=5"))
        .hasMessageContaining("llmbudget.max_buget");
  }

  @Test
  void environmentNamesAreUpperSnakeCase() {
    assertThat(BudgetConfig.envName("llmbudget.user.max_budget")).isEqualTo("LLMBUDGET_USER_MAX_BUDGET");
  }

  @Test
  void aMisspelledPropertyOrVariableIsNamedWithTheClosestKnownKey() {
    Map<String, String> props = Map.of("llmbudget.maxbudget", "0.002", "llmbudget.max_budget", "1",
        "llmbudget.it.agentJar", "/x.jar", "llmbudget.debug.startup", "true", "other.key", "x",
        "llmbudget.test.check_reservations", "true");
    Map<String, String> env = Map.of("LLMBUDGET_MAXBUDGET", "0.002", "LLMBUDGET_USER_MAX_BUDGET", "1",
        "LLMBUDGET_STORE_PATHS", "x", "PATH", "/bin");
    assertThat(BudgetConfig.unknownKeyWarnings(props, env)).containsExactly(
        "llm-budget: unknown system property 'llmbudget.maxbudget' is ignored; did you mean llmbudget.max_budget?",
        "llm-budget: unknown environment variable 'LLMBUDGET_MAXBUDGET' is ignored; did you mean LLMBUDGET_MAX_BUDGET?",
        "llm-budget: unknown environment variable 'LLMBUDGET_STORE_PATHS' is ignored; did you mean LLMBUDGET_STORE_PATH?");
  }

  @Test
  void streamUsageIsAskedForByDefaultAndCanBeLeftToAnEstimate() {
    assertThat(BudgetConfig.of(Map.of()).askStreamUsage()).isTrue();
    assertThat(BudgetConfig.from(BudgetConfig.parseAgentArgs("stream_usage=estimate"), Map.of()).askStreamUsage())
        .isFalse();
    assertThat(BudgetConfig.from(Map.of(), Map.of("LLMBUDGET_STREAM_USAGE", "ASK")).askStreamUsage()).isTrue();
    assertThatThrownBy(() -> BudgetConfig.from(BudgetConfig.parseAgentArgs("stream_usage=off"), Map.of()))
        .hasMessageContaining("llmbudget.stream_usage must be one of ask, estimate, was 'off'");
  }

  @Test
  void knownKeysRaiseNoWarning() {
    Map<String, String> props = new java.util.HashMap<>();
    Map<String, String> env = new java.util.HashMap<>();
    for (String key : BudgetConfig.KEYS.keySet()) {
      props.put(key, "x");
      env.put(BudgetConfig.envName(key), "x");
    }
    assertThat(BudgetConfig.unknownKeyWarnings(props, env)).isEmpty();
  }

  @Test
  void modelAliasesComeFromAPropertyOrAgentArgumentsWithTheirOwnCommas() {
    BudgetConfig c = BudgetConfig.of(Map.of("llmbudget.model_aliases", "my-finetune:gpt-4o-mini, gw/chat:gpt-4o",
        "llmbudget.azure.deployments", "prod-chat:gpt-4o;gw/chat:o1"));
    assertThat(c.modelAliases()).containsExactly(Map.entry("my-finetune", "gpt-4o-mini"), Map.entry("gw/chat", "gpt-4o"));
    assertThat(c.priceAliases()).containsEntry("prod-chat", "gpt-4o").containsEntry("gw/chat", "gpt-4o")
        .containsEntry("my-finetune", "gpt-4o-mini");

    Map<String, String> args = BudgetConfig.parseAgentArgs("max_budget=1,model_aliases=a:gpt-4o,b:o1,store=memory");
    assertThat(args).containsEntry("llmbudget.model_aliases", "a:gpt-4o,b:o1").containsEntry("llmbudget.store", "memory");
    assertThat(BudgetConfig.of(args).modelAliases()).containsEntry("b", "o1");

    assertThatThrownBy(() -> BudgetConfig.parseAgentArgs("max_budget=1,b:o1"))
        .hasMessageContaining("'b:o1' is not key=value");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.model_aliases", "just-a-name")))
        .hasMessageContaining("llmbudget.model_aliases").hasMessageContaining("'just-a-name' is not alias:model");
  }

  @Test
  void reservationTtlDefaultsToTenMinutesAndRejectsNonsense() {
    assertThat(BudgetConfig.of(Map.of()).reservationTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(BudgetConfig.from(BudgetConfig.parseAgentArgs("reservation_ttl=90s"), Map.of()).reservationTtl())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(BudgetConfig.from(Map.of(), Map.of("LLMBUDGET_RESERVATION_TTL", "2m")).reservationTtl())
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(BudgetConfig.of(Map.of("llmbudget.reservation_ttl", "2h")).reservationTtl())
        .isEqualTo(Duration.ofHours(2));
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.reservation_ttl", "0s")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llmbudget.reservation_ttl");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.reservation_ttl", "soon")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llmbudget.reservation_ttl")
        .hasMessageContaining("soon");
  }

  @Test
  void postgresKeysHaveDefaultsAndThePasswordComesFromTheEnvironmentToo() {
    BudgetConfig c = BudgetConfig.from(Map.of(), Map.of(
        "LLMBUDGET_STORE", "postgres",
        "LLMBUDGET_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/app",
        "LLMBUDGET_POSTGRES_USER", "app",
        "LLMBUDGET_POSTGRES_PASSWORD", "s3cret"));
    assertThat(c.store()).isEqualTo("postgres");
    assertThat(c.postgresUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/app");
    assertThat(c.postgresUser()).isEqualTo("app");
    assertThat(c.postgresPassword()).isEqualTo("s3cret");
    assertThat(c.postgresSchema()).isEqualTo("llmbudget");
    assertThat(c.postgresPoolSize()).isEqualTo(4);
    assertThat(BudgetConfig.unknownKeyWarnings(Map.of(), Map.of("LLMBUDGET_POSTGRES_PASSWORD", "x"))).isEmpty();
  }

  @Test
  void badPostgresSettingsNameTheirKey() {
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store", "postgres")))
        .hasMessageContaining("llmbudget.postgres.url");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.postgres.schema", "x; DROP TABLE y")))
        .hasMessageContaining("llmbudget.postgres.schema");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.postgres.pool_size", "0")))
        .hasMessageContaining("llmbudget.postgres.pool_size").hasMessageContaining("between 1 and 64");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.postgres.pool_size", "many")))
        .hasMessageContaining("llmbudget.postgres.pool_size");
  }

  @Test
  void evictIdleAfterIsOffByDefaultAndTakesASpanOrOff() {
    assertThat(BudgetConfig.of(Map.of()).evictIdleAfter()).isEqualTo(Duration.ZERO);
    assertThat(BudgetConfig.of(Map.of("llmbudget.store.evict_idle_after", "off")).evictIdleAfter()).isEqualTo(Duration.ZERO);
    assertThat(BudgetConfig.of(Map.of("llmbudget.store.evict_idle_after", "0")).evictIdleAfter()).isEqualTo(Duration.ZERO);
    assertThat(BudgetConfig.of(Map.of("llmbudget.store.evict_idle_after", "10m")).evictIdleAfter())
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(BudgetConfig.of(BudgetConfig.parseAgentArgs("store.evict_idle_after=90s")).evictIdleAfter()).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store.evict_idle_after", "-1s")))
        .hasMessageContaining("llmbudget.store.evict_idle_after").hasMessageContaining("positive");
    assertThatThrownBy(() -> BudgetConfig.of(Map.of("llmbudget.store.evict_idle_after", "soon")))
        .hasMessageContaining("llmbudget.store.evict_idle_after").hasMessageContaining("time span");
  }
}
