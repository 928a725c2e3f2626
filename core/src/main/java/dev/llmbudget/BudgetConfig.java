package dev.llmbudget;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The process-wide settings, read from agent arguments, then system properties ({@code
 * llmbudget.max_budget}), then environment variables ({@code LLMBUDGET_MAX_BUDGET}), first one
 * wins. Every value is validated when the config is built; a bad one fails with a message that
 * names its key.
 */
public final class BudgetConfig {

  /** Every key this project reads, with its default ({@code null}: unset). */
  public static final Map<String, String> KEYS;

  static {
    Map<String, String> k = new LinkedHashMap<>();
    k.put("llmbudget.max_budget", null);
    k.put("llmbudget.max_budget_duration", null);
    k.put("llmbudget.user.max_budget", null);
    k.put("llmbudget.user.budget_duration", null);
    k.put("llmbudget.project", "default");
    k.put("llmbudget.store", "local");
    k.put("llmbudget.store.path", "user_cost.json");
    k.put("llmbudget.store.flush_interval", "1s");
    k.put("llmbudget.store.evict_idle_after", "off");
    k.put("llmbudget.api_base", null);
    k.put("llmbudget.api_timeout", "10s");
    k.put("llmbudget.mdc_key", "userId");
    k.put("llmbudget.prices", null);
    k.put("llmbudget.unknown_model", "warn");
    k.put("llmbudget.timezone", "UTC");
    k.put("llmbudget.enabled", "true");
    k.put("llmbudget.azure.deployments", null);
    k.put("llmbudget.model_aliases", null);
    k.put("llmbudget.debug", "false");
    k.put("llmbudget.quiet", "false");
    k.put("llmbudget.on_error", null);
    k.put("llmbudget.output_reserve", "model_max");
    k.put("llmbudget.default_max_output_tokens", "4096");
    k.put("llmbudget.min_output_tokens", "16");
    k.put("llmbudget.image_tokens", "4096");
    k.put("llmbudget.file_tokens", null);
    k.put("llmbudget.reservation_ttl", "10m");
    k.put("llmbudget.user.budgets", null);
    k.put("llmbudget.budgets.file", null);
    k.put("llmbudget.metrics.port", null);
    k.put("llmbudget.metrics.host", "0.0.0.0");
    k.put("llmbudget.metrics.user_tags", "false");
    k.put("llmbudget.alert.thresholds", "0.8,1.0");
    k.put("llmbudget.alert.webhook", null);
    k.put("llmbudget.redis.url", null);
    k.put("llmbudget.redis.cluster", null);
    k.put("llmbudget.redis.timeout", "2s");
    k.put("llmbudget.store.offline_allowance", "1.00");
    k.put("llmbudget.postgres.url", null);
    k.put("llmbudget.postgres.user", null);
    k.put("llmbudget.postgres.password", null);
    k.put("llmbudget.postgres.schema", "llmbudget");
    k.put("llmbudget.postgres.pool_size", "4");
    k.put("llmbudget.stream_usage", "ask");
    KEYS = Collections.unmodifiableMap(k);
  }

  /** Keys whose value is a comma-separated list, which an agent argument may spell with its own commas. */
  private static final java.util.Set<String> LIST_KEYS = java.util.Set.of("llmbudget.model_aliases", "llmbudget.user.budgets",
      "llmbudget.alert.thresholds");

  /** System properties under these prefixes are switches of our test harness and diagnostics, not settings. */
  private static final String[] NOT_SETTINGS = {"llmbudget.it.", "llmbudget.debug.", "llmbudget.test."};

  private final BigDecimal maxBudget;
  private final BudgetDuration maxBudgetDuration;
  private final BigDecimal userMaxBudget;
  private final BudgetDuration userBudgetDuration;
  private final String project;
  private final String store;
  private final Path storePath;
  private final Duration flushInterval;
  private final String apiBase;
  private final Duration apiTimeout;
  private final String mdcKey;
  private final String prices;
  private final UnknownModelPolicy unknownModel;
  private final ZoneId zone;
  private final Duration reservationTtl;
  private final Duration evictIdleAfter;
  private final boolean enabled;
  private final boolean debug;
  private final boolean quiet;
  private final Map<String, String> azureDeployments;
  private final Map<String, String> modelAliases;
  private final String onError;
  private final OutputReserve outputReserve;
  private final long defaultMaxOutputTokens;
  private final long minOutputTokens;
  private final long imageTokens;
  private final long fileTokens;
  private final Map<String, BigDecimal> userBudgets;
  private final Path budgetsFile;
  private final Integer metricsPort;
  private final String metricsHost;
  private final boolean metricsUserTags;
  private final boolean askStreamUsage;
  private final List<BigDecimal> alertThresholds;
  private final String alertWebhook;
  private final String redisUrl;
  private final String redisCluster;
  private final Duration redisTimeout;
  private final BigDecimal offlineAllowance;
  private final String postgresUrl;
  private final String postgresUser;
  private final String postgresPassword;
  private final String postgresSchema;
  private final int postgresPoolSize;

  private BudgetConfig(Function<String, String> source) {
    maxBudget = money(source, "llmbudget.max_budget");
    maxBudgetDuration = duration(source, "llmbudget.max_budget_duration");
    userMaxBudget = money(source, "llmbudget.user.max_budget");
    userBudgetDuration = duration(source, "llmbudget.user.budget_duration");
    project = nonBlank(source, "llmbudget.project");
    store = choice(source, "llmbudget.store", "local", "memory", "hosted", "redis", "postgres");
    storePath = Path.of(nonBlank(source, "llmbudget.store.path"));
    flushInterval = span(source, "llmbudget.store.flush_interval");
    apiBase = value(source, "llmbudget.api_base");
    apiTimeout = span(source, "llmbudget.api_timeout");
    mdcKey = nonBlank(source, "llmbudget.mdc_key");
    prices = value(source, "llmbudget.prices");
    unknownModel = parse(source, "llmbudget.unknown_model", Form.UNKNOWN_MODEL);
    zone = parse(source, "llmbudget.timezone", Form.ZONE);
    reservationTtl = span(source, "llmbudget.reservation_ttl");
    evictIdleAfter = idleSpan(source, "llmbudget.store.evict_idle_after");
    enabled = Boolean.parseBoolean(choice(source, "llmbudget.enabled", "true", "false"));
    debug = Boolean.parseBoolean(choice(source, "llmbudget.debug", "true", "false"));
    quiet = Boolean.parseBoolean(choice(source, "llmbudget.quiet", "true", "false"));
    Map<String, String> deployments = parse(source, "llmbudget.azure.deployments", Form.DEPLOYMENTS);
    azureDeployments = deployments == null ? Map.of() : deployments;
    Map<String, String> aliases = parse(source, "llmbudget.model_aliases", Form.ALIASES);
    modelAliases = aliases == null ? Map.of() : aliases;
    onError = value(source, "llmbudget.on_error") == null ? null : choice(source, "llmbudget.on_error", "block", "allow");
    OutputReserve reserve = parse(source, "llmbudget.output_reserve", Form.OUTPUT_RESERVE);
    outputReserve = reserve == null ? OutputReserve.MODEL_MAX : reserve;
    defaultMaxOutputTokens = tokens(source, "llmbudget.default_max_output_tokens");
    minOutputTokens = tokens(source, "llmbudget.min_output_tokens");
    imageTokens = tokens(source, "llmbudget.image_tokens");
    fileTokens = value(source, "llmbudget.file_tokens") == null ? 0 : tokens(source, "llmbudget.file_tokens");
    Map<String, BigDecimal> budgets = parse(source, "llmbudget.user.budgets", Form.USER_BUDGETS);
    userBudgets = budgets == null ? Map.of() : budgets;
    String file = value(source, "llmbudget.budgets.file");
    budgetsFile = file == null ? null : Path.of(file);
    metricsPort = parse(source, "llmbudget.metrics.port", Form.PORT);
    metricsHost = nonBlank(source, "llmbudget.metrics.host");
    metricsUserTags = Boolean.parseBoolean(choice(source, "llmbudget.metrics.user_tags", "true", "false"));
    askStreamUsage = choice(source, "llmbudget.stream_usage", "ask", "estimate").equals("ask");
    List<BigDecimal> thresholds = parse(source, "llmbudget.alert.thresholds", Form.THRESHOLDS);
    alertThresholds = thresholds == null ? List.of() : thresholds;
    alertWebhook = parse(source, "llmbudget.alert.webhook", Form.HTTP_URL);
    redisUrl = parse(source, "llmbudget.redis.url", Form.REDIS_URL);
    redisCluster = parse(source, "llmbudget.redis.cluster", Form.HOST_PORTS);
    redisTimeout = span(source, "llmbudget.redis.timeout");
    offlineAllowance = parse(source, "llmbudget.store.offline_allowance", Form.OFFLINE_ALLOWANCE);
    if ("redis".equals(store) && redisUrl == null && redisCluster == null) {
      throw new IllegalArgumentException("llmbudget.store=redis needs llmbudget.redis.url "
          + "(redis://[user:password@]host:port[/db], rediss:// for TLS) or llmbudget.redis.cluster (host:port,...)");
    }
    postgresUrl = value(source, "llmbudget.postgres.url");
    postgresUser = value(source, "llmbudget.postgres.user");
    postgresPassword = source.apply("llmbudget.postgres.password");
    String schema = parse(source, "llmbudget.postgres.schema", Form.SQL_NAME);
    postgresSchema = schema == null ? "llmbudget" : schema;
    Integer pool = parse(source, "llmbudget.postgres.pool_size", Form.POOL_SIZE);
    postgresPoolSize = pool == null ? 4 : pool;
    if ("postgres".equals(store) && postgresUrl == null) {
      throw new IllegalArgumentException("llmbudget.store=postgres needs llmbudget.postgres.url "
          + "(e.g. jdbc:postgresql://db:5432/app)");
    }
    if ("hosted".equals(store) && apiBase == null) {
      throw new IllegalArgumentException(
          "llmbudget.store=hosted needs llmbudget.api_base (the budget server's URL)");
    }
  }

  /** Settings from system properties and environment variables. */
  public static BudgetConfig fromEnvironment() {
    return from(Map.of(), System.getenv());
  }

  /** Settings from agent arguments first, then system properties, then {@code env}. */
  public static BudgetConfig from(Map<String, String> agentArgs, Map<String, String> env) {
    Objects.requireNonNull(agentArgs, "agentArgs");
    Objects.requireNonNull(env, "env");
    return new BudgetConfig(new Layered(agentArgs, env));
  }

  /** Agent arguments, then system properties, then the environment, then the defaults (a class, not a lambda: see {@link Form}). */
  private static final class Layered implements Function<String, String> {
    private final Map<String, String> agentArgs;
    private final Map<String, String> env;

    Layered(Map<String, String> agentArgs, Map<String, String> env) {
      this.agentArgs = agentArgs;
      this.env = env;
    }

    @Override
    public String apply(String key) {
      String v = agentArgs.get(key);
      if (v == null) {
        v = System.getProperty(key);
      }
      if (v == null) {
        v = env.get(envName(key));
      }
      return v == null ? KEYS.get(key) : v;
    }
  }

  /** Settings from exactly these values; absent keys take their defaults. */
  public static BudgetConfig of(Map<String, String> values) {
    return new BudgetConfig(key -> values.getOrDefault(key, KEYS.get(key)));
  }

  /** {@code llmbudget.user.max_budget} → {@code LLMBUDGET_USER_MAX_BUDGET}. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_');
  }

  /**
   * Parses agent arguments {@code key=value,key=value}; keys may omit the {@code llmbudget.}
   * prefix.
   */
  public static Map<String, String> parseAgentArgs(String args) {
    if (args == null || args.isBlank()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    String last = null;
    for (String part : args.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq < 0 && last != null && LIST_KEYS.contains(last)) {
        // model_aliases=a:b,c:d: the agent argument separator also separates list items.
        out.merge(last, part.trim(), (a, b) -> a + "," + b);
        continue;
      }
      if (eq <= 0) {
        throw new IllegalArgumentException("agent argument '" + part.trim()
            + "' is not key=value (e.g. -javaagent:llm-budget-agent.jar=max_budget=5.00,store=memory)");
      }
      String key = part.substring(0, eq).trim();
      if (!key.startsWith("llmbudget.")) {
        key = "llmbudget." + key;
      }
      if (!KEYS.containsKey(key)) {
        throw new IllegalArgumentException("unknown agent argument '" + key + "'; known keys: " + KEYS.keySet());
      }
      out.put(key, part.substring(eq + 1).trim());
      last = key;
    }
    return out;
  }

  /**
   * One warning for every {@code llmbudget.*} system property and {@code LLMBUDGET_*} environment
   * variable that is not a known key, naming the closest known one: a misspelled key would
   * otherwise be ignored without a sound and leave a budget the operator believes is on, off.
   * (Agent arguments are stricter: {@link #parseAgentArgs} rejects an unknown key.)
   */
  public static List<String> unknownKeyWarnings(Map<?, ?> systemProperties, Map<String, String> env) {
    // Runs in premain: only the few names with our prefix are sorted, and nothing is built for the
    // rest (no stream, no sorted copy of every property and variable).
    List<String> properties = new ArrayList<>();
    for (Object name : systemProperties.keySet()) {
      if (name instanceof String key && key.startsWith("llmbudget.") && !KEYS.containsKey(key) && !notSetting(key)) {
        properties.add(key);
      }
    }
    List<String> variables = new ArrayList<>();
    for (String name : env.keySet()) {
      if (name.startsWith("LLMBUDGET_") && !notSetting(name)) {
        variables.add(name);
      }
    }
    List<String> out = new ArrayList<>();
    if (!properties.isEmpty()) {
      properties.sort(null);
      for (String key : properties) {
        out.add("llm-budget: unknown system property '" + key + "' is ignored; did you mean "
            + closest(key, KEYS.keySet()) + "?");
      }
    }
    if (!variables.isEmpty()) {
      Map<String, String> envNames = new LinkedHashMap<>();
      for (String k : KEYS.keySet()) {
        envNames.put(envName(k), k);
      }
      variables.sort(null);
      for (String name : variables) {
        if (!envNames.containsKey(name)) {
          out.add("llm-budget: unknown environment variable '" + name + "' is ignored; did you mean "
              + closest(name, envNames.keySet()) + "?");
        }
      }
    }
    return out;
  }

  private static boolean notSetting(String name) {
    for (String prefix : NOT_SETTINGS) {
      if (name.startsWith(prefix) || name.startsWith(envName(prefix))) {
        return true;
      }
    }
    return false;
  }

  /** The known name at the smallest edit distance from {@code name}. */
  static String closest(String name, Iterable<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = editDistance(name, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return best;
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(substitute, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  public BigDecimal maxBudget() { return maxBudget; }
  public BudgetDuration maxBudgetDuration() { return maxBudgetDuration; }
  public BigDecimal userMaxBudget() { return userMaxBudget; }
  public BudgetDuration userBudgetDuration() { return userBudgetDuration; }
  public String project() { return project; }
  public String store() { return store; }
  public Path storePath() { return storePath; }
  public Duration flushInterval() { return flushInterval; }
  public String apiBase() { return apiBase; }
  public Duration apiTimeout() { return apiTimeout; }
  public String mdcKey() { return mdcKey; }
  public String prices() { return prices; }
  public UnknownModelPolicy unknownModel() { return unknownModel; }
  public ZoneId zone() { return zone; }
  /** How long a reservation may stay unsettled before it is released ({@code llmbudget.reservation_ttl}). */
  public Duration reservationTtl() { return reservationTtl; }
  /**
   * How long a user of the memory or local store stays unused before its budget is packed out of
   * the live map ({@code llmbudget.store.evict_idle_after}); {@link Duration#ZERO}: never (the default).
   */
  public Duration evictIdleAfter() { return evictIdleAfter; }
  public boolean enabled() { return enabled; }
  /** {@code llmbudget.debug=true}: stack traces with configuration errors. */
  public boolean debug() { return debug; }
  /** {@code llmbudget.quiet=true}: no start-up line saying what is enforced. */
  public boolean quiet() { return quiet; }
  /** Azure OpenAI deployment name → model name, from {@code llmbudget.azure.deployments=dep:model;dep2:model2}. */
  public Map<String, String> azureDeployments() { return azureDeployments; }
  /**
   * Model name as the SDK sends it → model name in the price table, from {@code
   * llmbudget.model_aliases=my-finetune:gpt-4o-mini,prod-chat:gpt-4o}; a fine-tune or a gateway's
   * name then prices as the model it runs on.
   */
  public Map<String, String> modelAliases() { return modelAliases; }
  /** {@code llmbudget.redis.url}: {@code redis://[user:password@]host:port[/db]} or {@code rediss://...}; null when unset. */
  public String redisUrl() { return redisUrl; }
  /** {@code llmbudget.redis.cluster}: the seed nodes {@code host:port,...} of a Redis Cluster; null when unset. */
  public String redisCluster() { return redisCluster; }
  /** {@code llmbudget.redis.timeout}: connect and read timeout of each Redis call. */
  public Duration redisTimeout() { return redisTimeout; }
  /** {@code llmbudget.store.offline_allowance}: what this JVM may spend while a shared store is unreachable, in US dollars. */
  public BigDecimal offlineAllowance() { return offlineAllowance; }

  /**
   * Budgets of named users, from {@code llmbudget.user.budgets=alice:5,bob:20} (US dollars, reset
   * every {@code llmbudget.user.budget_duration}); they beat {@code llmbudget.user.max_budget}.
   */
  public Map<String, BigDecimal> userBudgets() { return userBudgets; }
  /** {@code llmbudget.budgets.file}: a JSON file of user and group budgets, re-read when it changes; or null. */
  public Path budgetsFile() { return budgetsFile; }

  /** {@code llmbudget.metrics.port}: where {@code /metrics} is served in the Prometheus format, or null for nowhere. */
  public Integer metricsPort() { return metricsPort; }
  /** {@code llmbudget.metrics.host}: the address the metrics endpoint binds, {@code 0.0.0.0} by default. */
  public String metricsHost() { return metricsHost; }
  /** {@code llmbudget.metrics.user_tags}: Micrometer meters carry a {@code user} tag (unbounded cardinality; off by default). */
  public boolean metricsUserTags() { return metricsUserTags; }
  /**
   * {@code llmbudget.stream_usage=ask} (the default): an openai-java stream that asks for no usage is
   * sent asking for it, and the usage chunk is hidden from the app; {@code estimate}: it is sent as
   * the app made it and charged an estimate (for an OpenAI-compatible server that rejects {@code stream_options}).
   */
  public boolean askStreamUsage() { return askStreamUsage; }

  /** {@code llmbudget.alert.thresholds}: shares of a budget (0.8 = 80 %) whose crossing is announced, ascending. */
  public List<BigDecimal> alertThresholds() { return alertThresholds; }
  /** {@code llmbudget.alert.webhook}: the URL alerts are POSTed to as JSON, or null. */
  public String alertWebhook() { return alertWebhook; }

  private static List<BigDecimal> thresholds(String v) {
    TreeSet<BigDecimal> out = new TreeSet<>();
    for (String part : v.split("[,;]")) {
      if (part.isBlank()) {
        continue;
      }
      BigDecimal t;
      try {
        t = new BigDecimal(part.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + part.trim() + "' is not a share of the budget like 0.8");
      }
      if (t.signum() <= 0 || t.compareTo(BigDecimal.TEN) > 0) {
        throw new IllegalArgumentException("threshold " + part.trim() + " must be above 0 and at most 10 (1.0 = the whole budget)");
      }
      out.add(t.stripTrailingZeros());
    }
    return List.copyOf(out);
  }

  private static String httpUrl(String v) {
    java.net.URI uri;
    try {
      uri = java.net.URI.create(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + v + "' is not a URL");
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("'" + v + "' is not an http(s) URL");
    }
    return v;
  }

  private static Integer port(String v) {
    int p;
    try {
      p = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a port number");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port " + p + " is outside 0-65535");
    }
    return p;
  }

  private static Map<String, BigDecimal> userBudgets(String v) {
    Map<String, BigDecimal> out = new LinkedHashMap<>();
    pairs(v, "[,;]", "user:amount").forEach((user, amount) ->
        out.put(user, Money.parseBudget(amount, "the budget of user '" + user + "'")));
    return Collections.unmodifiableMap(out);
  }

  /** {@code llmbudget.postgres.url}: the JDBC URL of the postgres store, e.g. {@code jdbc:postgresql://db:5432/app}. */
  public String postgresUrl() { return postgresUrl; }
  /** {@code llmbudget.postgres.user}, or null to let the driver decide (URL, {@code PGUSER}). */
  public String postgresUser() { return postgresUser; }
  /** {@code llmbudget.postgres.password} (or {@code LLMBUDGET_POSTGRES_PASSWORD}); never logged. */
  public String postgresPassword() { return postgresPassword; }
  /** {@code llmbudget.postgres.schema}: the schema that holds the store's tables, default {@code llmbudget}. */
  public String postgresSchema() { return postgresSchema; }
  /** {@code llmbudget.postgres.pool_size}: connections per JVM, default 4. */
  public int postgresPoolSize() { return postgresPoolSize; }

  /** Every alias the price table applies: Azure deployments and model aliases (an alias wins). */
  public Map<String, String> priceAliases() {
    if (modelAliases.isEmpty()) {
      return azureDeployments;
    }
    Map<String, String> all = new LinkedHashMap<>(azureDeployments);
    all.putAll(modelAliases);
    return Collections.unmodifiableMap(all);
  }

  /**
   * What an LLM call does when the budget cannot be checked (store or price table unavailable):
   * {@code block} or {@code allow}. Unset, it is {@code block} when a budget is configured, else
   * {@code allow}.
   */
  public String onError() {
    return onError != null ? onError : budgetConfigured() ? "block" : "allow";
  }

  /** True when {@code llmbudget.on_error} is set rather than derived from {@link #budgetConfigured()}. */
  public boolean onErrorExplicit() {
    return onError != null;
  }

  /** True when configuration sets any limit (global or per-user), so a failure must not lift it silently. */
  public boolean budgetConfigured() {
    return maxBudget != null || userMaxBudget != null || !userBudgets.isEmpty() || budgetsFile != null;
  }
  /** What a call reserves for its output: {@code model_max}, {@code clamp} or {@code request}. */
  public OutputReserve outputReserve() { return outputReserve; }
  /** The output an uncapped call reserves when the price table gives no maximum for its model. */
  public long defaultMaxOutputTokens() { return defaultMaxOutputTokens; }
  /** The least output worth sending a clamped call for; below it the call is refused. */
  public long minOutputTokens() { return minOutputTokens; }
  /** Tokens reserved for an image in a request when its model's family has no documented per-image bound. */
  public long imageTokens() { return imageTokens; }
  /**
   * The tokens each file, PDF or audio part of a request is reserved at ({@code llmbudget.file_tokens}),
   * trusting the operator's knowledge of their files; 0 when unset: such a call reserves its model's context window.
   */
  public long fileTokens() { return fileTokens; }

  /** An unquoted SQL identifier, so the schema name can be put into statements as it is. */
  private static String sqlName(String v) {
    if (!v.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("must be a lower-case SQL name (letters, digits, _), was '" + v + "'");
    }
    return v;
  }

  private static int wholeNumber(String v, int min, int max) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a whole number, was '" + v + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("must be between " + min + " and " + max + ", was " + n);
    }
    return n;
  }

  private static String value(Function<String, String> source, String key) {
    String v = source.apply(key);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String nonBlank(Function<String, String> source, String key) {
    String v = value(source, key);
    if (v == null) {
      throw new IllegalArgumentException(key + " must not be blank");
    }
    return v;
  }

  /**
   * What a key's value is parsed as. One switch rather than a lambda per key: the agent builds its
   * configuration on the JVM's main thread before the app's {@code main}, where linking each of ~20
   * lambdas cost ~0.3 ms.
   */
  private enum Form {
    MONEY, DURATION, TOKENS, SPAN, UNKNOWN_MODEL, ZONE, DEPLOYMENTS, ALIASES, OUTPUT_RESERVE, USER_BUDGETS, PORT,
    THRESHOLDS, HTTP_URL, REDIS_URL, HOST_PORTS, OFFLINE_ALLOWANCE, SQL_NAME, POOL_SIZE
  }

  /** The value of {@code key} parsed as {@code form}, or null when it is unset or blank. */
  @SuppressWarnings("unchecked")
  private static <T> T parse(Function<String, String> source, String key, Form form) {
    String v = value(source, key);
    if (v == null) {
      return null;
    }
    try {
      return (T) convert(form, key, v);
    } catch (IllegalArgumentException | DateTimeException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }

  private static Object convert(Form form, String key, String v) {
    switch (form) {
      case MONEY: return Money.parseBudget(v, key);
      case DURATION: return BudgetDuration.parse(v);
      case TOKENS: return tokenCount(v);
      case SPAN: return timeSpan(v);
      case UNKNOWN_MODEL: return UnknownModelPolicy.parse(v);
      case ZONE: return ZoneId.of(v);
      case DEPLOYMENTS: return pairs(v, ";", "deployment:model");
      case ALIASES: return pairs(v, "[,;]", "alias:model");
      case OUTPUT_RESERVE: return OutputReserve.parse(v);
      case USER_BUDGETS: return userBudgets(v);
      case PORT: return port(v);
      case THRESHOLDS: return thresholds(v);
      case HTTP_URL: return httpUrl(v);
      case REDIS_URL: return redisUrl(v);
      case HOST_PORTS: return hostPorts(v);
      case OFFLINE_ALLOWANCE:
        BigDecimal d = Money.parseBudget(v, key);
        dev.llmbudget.store.Picodollars.of(d); // refuses an amount beyond what a store can count
        return d;
      case SQL_NAME: return sqlName(v);
      case POOL_SIZE: return wholeNumber(v, 1, 64);
      default: throw new AssertionError(form);
    }
  }

  private static BigDecimal money(Function<String, String> source, String key) {
    return parse(source, key, Form.MONEY);
  }

  private static BudgetDuration duration(Function<String, String> source, String key) {
    return parse(source, key, Form.DURATION);
  }

  private static long tokens(Function<String, String> source, String key) {
    Long n = parse(source, key, Form.TOKENS);
    if (n == null) {
      throw new IllegalArgumentException(key + " must not be blank");
    }
    return n;
  }

  private static long tokenCount(String v) {
    long t;
    try {
      t = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a whole number of tokens");
    }
    if (t < 1) {
      throw new IllegalArgumentException("'" + v + "' must be at least 1 token");
    }
    return t;
  }

  /** A time span, or {@code off} / {@code 0} for none ({@link Duration#ZERO}). */
  private static Duration idleSpan(Function<String, String> source, String key) {
    String v = value(source, key);
    if (v == null || v.equalsIgnoreCase("off") || v.equals("0")) {
      return Duration.ZERO;
    }
    return span(source, key);
  }

  private static Duration span(Function<String, String> source, String key) {
    return parse(source, key, Form.SPAN);
  }

  private static Duration timeSpan(String v) {
    String t = v.toLowerCase(Locale.ROOT);
    long n;
    Duration d;
    try {
      if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("h")) {
        d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      } else {
        n = Long.parseLong(t);
        d = Duration.ofSeconds(n);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a time span like 500ms, 1s, 2m or 1h");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("'" + v + "' must be a positive time span");
    }
    return d;
  }

  private static String choice(Function<String, String> source, String key, String... allowed) {
    String v = nonBlank(source, key).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return a;
      }
    }
    throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", was '" + v + "'");
  }

  private static String redisUrl(String v) {
    java.net.URI u;
    try {
      u = new java.net.URI(v);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("'" + withoutPassword(v) + "' is not a URL like redis://host:6379/0");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalArgumentException("'" + withoutPassword(v)
          + "' must start with redis:// (or rediss:// for TLS), e.g. redis://cache:6379/0");
    }
    if (u.getHost() == null) {
      throw new IllegalArgumentException("'" + withoutPassword(v) + "' names no host, e.g. redis://cache:6379/0");
    }
    String path = u.getPath() == null ? "" : u.getPath();
    if (!path.isEmpty() && !path.equals("/") && !path.substring(1).matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException("'" + withoutPassword(v) + "': the path must be a database number, e.g. /0");
    }
    return v;
  }

  /** {@code url} with the password of its user info replaced by {@code ***}, for messages and logs. */
  public static String withoutPassword(String url) {
    int scheme = url.indexOf("://");
    int at = url.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return url;
    }
    String user = url.substring(scheme + 3, at);
    int colon = user.indexOf(':');
    String shown = colon < 0 ? "***" : user.substring(0, colon) + ":***";
    return url.substring(0, scheme + 3) + shown + url.substring(at);
  }

  private static String hostPorts(String v) {
    for (String node : v.split(",")) {
      String n = node.trim();
      int colon = n.lastIndexOf(':');
      if (colon <= 0 || !n.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new IllegalArgumentException("'" + n + "' is not host:port (e.g. redis-1:6379,redis-2:6379)");
      }
    }
    return v;
  }

  private static Map<String, String> pairs(String v, String separator, String shape) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : v.split(separator)) {
      if (pair.isBlank()) {
        continue;
      }
      int colon = pair.indexOf(':');
      if (colon <= 0 || colon == pair.length() - 1) {
        throw new IllegalArgumentException("'" + pair.trim() + "' is not " + shape);
      }
      out.put(pair.substring(0, colon).trim(), pair.substring(colon + 1).trim());
    }
    return Collections.unmodifiableMap(out);
  }
}
