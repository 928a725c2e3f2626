package dev.llmbudget.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.Picodollars;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Budgets of named users given by configuration rather than code: {@code llmbudget.user.budgets}
 * and the file {@code llmbudget.budgets.file}, applied to the store at start and again whenever the
 * file changes. A user's configured budget beats {@code llmbudget.user.max_budget} (it exists before
 * their first call, so the default never applies to them).
 *
 * <p>The file: {@code {"users": {"alice": {"max_budget": 5, "duration": "monthly"}, "bob": 20},
 * "groups": {"support": {"max_budget": 2, "duration": "daily", "members": ["carol", "dave"]}}}}.
 * Each member of a group gets the group's budget as their own. Precedence, highest first:
 * {@code llmbudget.user.budgets}, the file's users, the file's groups.
 */
public final class ConfiguredBudgets {

  /** One user's configured terms. */
  record Terms(BigDecimal budget, BudgetDuration duration) {}

  /** Only a budgets file needs Jackson: held apart so that the agent's start-up does not load it. */
  private static final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  }

  private ConfiguredBudgets() {}

  /** The file watchers started, stopped at JVM shutdown or by {@link #stopAll}. */
  private static final List<Thread> WATCHERS = new java.util.concurrent.CopyOnWriteArrayList<>();

  static {
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(ConfiguredBudgets::stopAll, "llm-budget-budgets-file-stop"));
    } catch (IllegalStateException | SecurityException e) {
      // the JVM is shutting down already
    }
  }

  /** Stops every file watcher (at JVM shutdown; tests call it to leave no thread behind). */
  public static void stopAll() {
    for (Thread t : WATCHERS) {
      WATCHERS.remove(t);
      t.interrupt();
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Checks the configured budgets (the file included) without applying them, so a bad file stops
   * the agent at start with a message naming it.
   *
   * @throws IllegalArgumentException naming the key, the file and the entry that is wrong
   */
  public static void validate(BudgetConfig config) {
    budgets(config);
  }

  /**
   * Applies the configured budgets to {@code store} now and, when a file is configured, watches it
   * from a daemon thread that re-applies it after each change.
   */
  public static void start(BudgetStore store, BudgetConfig config, Clock clock) {
    Path file = config.budgetsFile();
    // Stamped before it is read: a change made while it is being read is seen by the watcher.
    List<Object> read = file == null ? null : stamp(file);
    apply(store, budgets(config), clock);
    if (file != null) {
      Duration every = config.flushInterval();
      Thread t = new Thread(() -> watch(store, config, clock, file, every, read), "llm-budget-budgets-file");
      t.setDaemon(true);
      WATCHERS.add(t);
      t.start();
    }
  }

  /** Every configured user's terms, in precedence order resolved. */
  static Map<String, Terms> budgets(BudgetConfig config) {
    Map<String, Terms> out = new LinkedHashMap<>();
    if (config.budgetsFile() != null) {
      out.putAll(readFile(config.budgetsFile(), config.userBudgetDuration()));
    }
    for (Map.Entry<String, java.math.BigDecimal> e : config.userBudgets().entrySet()) { // no lambda on premain's path
      out.put(e.getKey(), new Terms(e.getValue(), config.userBudgetDuration()));
    }
    return out;
  }

  /** Sets each user's budget whose terms differ from what the store holds; returns how many changed. */
  static int apply(BudgetStore store, Map<String, Terms> budgets, Clock clock) {
    int changed = 0;
    for (Map.Entry<String, Terms> e : budgets.entrySet()) {
      Terms t = e.getValue();
      Optional<BudgetSnapshot> now = store.snapshot(e.getKey(), clock.instant());
      boolean same = now.isPresent() && now.get().totalBudget() != null
          && now.get().totalBudget().compareTo(t.budget()) == 0 && Objects.equals(now.get().duration(), t.duration());
      if (!same) {
        store.putBudget(e.getKey(), t.budget(), t.duration(), clock.instant());
        changed++;
      }
    }
    return changed;
  }

  private static void watch(BudgetStore store, BudgetConfig config, Clock clock, Path file, Duration every,
      List<Object> read) {
    List<Object> seen = read;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      List<Object> now = stamp(file);
      if (Objects.equals(now, seen)) {
        continue;
      }
      seen = now;
      try {
        int changed = apply(store, budgets(config), clock);
        Log.info("llm-budget: re-read " + file + "; " + changed + " budget(s) changed");
      } catch (RuntimeException e) {
        // The budgets in force stay as they are: a half-written or mistyped file must not lift them.
        Log.warn("llm-budget: " + e.getMessage() + "; the budgets in force are unchanged until the file is fixed");
      }
    }
  }

  private static List<Object> stamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (IOException e) {
      return null;
    }
  }

  static Map<String, Terms> readFile(Path file, BudgetDuration defaultDuration) {
    String where = "llmbudget.budgets.file " + file;
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(where + ": no such file");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
    } catch (NumberFormatException e) {
      // a number no BigDecimal can hold (1e99999999999): the parser throws it untyped
      throw new IllegalArgumentException(where + ": not valid JSON: " + e.getMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": cannot be read: " + e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(where + ": must be a JSON object with \"users\" and/or \"groups\"");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("users") && !f.equals("groups")) {
        throw new IllegalArgumentException(where + ": unknown field \"" + f + "\" (expected \"users\" and/or \"groups\")");
      }
    }
    Map<String, Terms> fromGroups = new LinkedHashMap<>();
    JsonNode groups = root.path("groups");
    if (!groups.isMissingNode()) {
      requireObject(groups, where, "groups");
      for (Iterator<Map.Entry<String, JsonNode>> it = groups.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> g = it.next();
        String what = "group \"" + g.getKey() + "\"";
        requireObject(g.getValue(), where, what);
        Terms t = terms(g.getValue(), where, what, defaultDuration, true);
        JsonNode members = g.getValue().path("members");
        if (!members.isArray()) {
          throw new IllegalArgumentException(where + ": " + what + " needs \"members\": a list of user ids");
        }
        for (JsonNode m : members) {
          if (!m.isTextual() || m.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": " + what + " has a member that is not a user id: " + m);
          }
          Terms previous = fromGroups.put(m.asText(), t);
          if (previous != null && !previous.equals(t)) {
            throw new IllegalArgumentException(where + ": user \"" + m.asText()
                + "\" is in two groups with different budgets; give them a budget under \"users\" instead");
          }
        }
      }
    }
    Map<String, Terms> out = new LinkedHashMap<>(fromGroups);
    JsonNode users = root.path("users");
    if (!users.isMissingNode()) {
      requireObject(users, where, "users");
      for (Iterator<Map.Entry<String, JsonNode>> it = users.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> u = it.next();
        String what = "user \"" + u.getKey() + "\"";
        JsonNode v = u.getValue();
        out.put(u.getKey(), v.isNumber() ? new Terms(amount(v, where, what), defaultDuration)
            : terms(v, where, what, defaultDuration, false));
      }
    }
    return out;
  }

  private static Terms terms(JsonNode node, String where, String what, BudgetDuration defaultDuration, boolean group) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": " + what + " must be a number of dollars or {\"max_budget\": …, \"duration\": …}");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("max_budget") && !f.equals("duration") && !(group && f.equals("members"))) {
        throw new IllegalArgumentException(where + ": " + what + " has an unknown field \"" + f + "\"");
      }
    }
    JsonNode budget = node.path("max_budget");
    if (budget.isMissingNode()) {
      throw new IllegalArgumentException(where + ": " + what + " needs \"max_budget\" (US dollars)");
    }
    BudgetDuration duration = defaultDuration;
    JsonNode d = node.path("duration");
    if (!d.isMissingNode() && !d.isNull()) {
      try {
        duration = BudgetDuration.parse(d.asText());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + what + ": duration " + e.getMessage());
      }
    }
    return new Terms(amount(budget, where, what), duration);
  }

  private static BigDecimal amount(JsonNode v, String where, String what) {
    if (!v.isNumber()) {
      throw new IllegalArgumentException(where + ": " + what + ": max_budget must be a number of dollars, was " + v);
    }
    BigDecimal d = v.decimalValue();
    if (d.signum() < 0 || d.compareTo(Picodollars.MAX_DOLLARS) > 0) {
      throw new IllegalArgumentException(where + ": " + what + ": max_budget must be between 0 and "
          + Picodollars.MAX_DOLLARS.toPlainString() + ", was " + v.asText());
    }
    return d;
  }

  private static void requireObject(JsonNode node, String where, String what) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": \"" + what + "\" must be a JSON object");
    }
  }
}
