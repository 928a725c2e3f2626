package dev.llmbudget.agent.cli;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.BudgetDuration;
import dev.llmbudget.agent.internal.IsolatedClassLoader;
import dev.llmbudget.internal.Extensions;
import dev.llmbudget.internal.StoreRegistry;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreException;
import dev.llmbudget.store.Picodollars;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code java -jar llm-budget-agent.jar COMMAND [options]}: report on, and change, the budgets in
 * the store the agent is configured with. Exit codes: 0 done, 1 usage error, 2 store unreachable.
 */
public final class LlmBudgetCli {

  static final int OK = 0;
  static final int USAGE = 1;
  static final int UNREACHABLE = 2;

  /** Option name → the configuration key it sets, as the agent reads it. */
  private static final Map<String, String> STORE_OPTIONS = new LinkedHashMap<>();

  static {
    STORE_OPTIONS.put("store", "llmbudget.store");
    STORE_OPTIONS.put("path", "llmbudget.store.path");
    STORE_OPTIONS.put("api-base", "llmbudget.api_base");
    STORE_OPTIONS.put("project", "llmbudget.project");
    STORE_OPTIONS.put("redis-url", "llmbudget.redis.url");
    STORE_OPTIONS.put("postgres-url", "llmbudget.postgres.url");
    STORE_OPTIONS.put("timezone", "llmbudget.timezone");
  }

  private static final String STORE_HELP = ""
      + "Store options (else the llmbudget.* system properties / LLMBUDGET_* variables, as for the agent):\n"
      + "  --store TYPE         local (default), hosted, or a store type the jar provides (redis, postgres)\n"
      + "  --path FILE          the local store's file (llmbudget.store.path, default user_cost.json)\n"
      + "  --api-base URL       the budget server of the hosted store (llmbudget.api_base)\n"
      + "  --project NAME       project of the hosted store (llmbudget.project, default 'default')\n"
      + "  --redis-url URL      llmbudget.redis.url\n"
      + "  --postgres-url URL   llmbudget.postgres.url\n"
      + "  --timezone ZONE      zone of calendar resets (llmbudget.timezone, default UTC)\n";

  private enum Command {
    REPORT("report", "report [--json | --csv | --html FILE]",
        "Every budget with spend, % used, reserved now, reset and top models, users by share used.\n"
            + "The global budget comes first. --json and --csv for scripts; --html FILE writes one self-contained page\n"
            + "with a bar per user and per model.", 0, Set.of("html"), Set.of("json", "csv")),
    USERS("users", "users [--json]", "The users that have a budget or spend, one per line.", 0, Set.of(), Set.of("json")),
    SHOW("show", "show USER [--json]", "One user's budget, spend, reservations, period and spend per model.",
        1, Set.of(), Set.of("json")),
    SET_BUDGET("set-budget", "set-budget USER AMOUNT [--duration D]",
        "Gives USER a budget of AMOUNT US dollars, keeping their spend.\nD: daily, weekly,\n"
            + "monthly, yearly, or a span like 30d, 1mo; without it an existing budget keeps its duration.\n"
            + "Running applications see the new limit at their next sync (local file: one flush interval).",
        2, Set.of("duration"), Set.of()),
    SET_GLOBAL("set-global", "set-global AMOUNT [--duration D]",
        "Sets the global budget to AMOUNT US dollars, keeping its spend.\n"
            + "An application started with -Dllmbudget.max_budget sets it back to that when it starts.",
        1, Set.of("duration"), Set.of()),
    RESET("reset", "reset USER | --all",
        "Zeroes USER's spend and starts a new period now.\n--all does that for every user and the global budget.", -1, Set.of(), Set.of("all"));

    final String name;
    final String usage;
    final String help;
    final int positionals;
    final Set<String> valued;
    final Set<String> flags;

    Command(String name, String usage, String help, int positionals, Set<String> valued, Set<String> flags) {
      this.name = name;
      this.usage = usage;
      this.help = help;
      this.positionals = positionals;
      Set<String> v = new TreeSet<>(valued);
      v.addAll(STORE_OPTIONS.keySet());
      this.valued = v;
      Set<String> f = new TreeSet<>(flags);
      f.add("help");
      this.flags = f;
    }

    static Optional<Command> named(String name) {
      return Arrays.stream(values()).filter(c -> c.name.equals(name)).findFirst();
    }
  }

  private final PrintStream out;
  private final PrintStream err;

  private LlmBudgetCli(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code = new LlmBudgetCli(System.out, System.err).run(args);
    System.out.flush();
    System.exit(code);
  }

  int run(String[] args) {
    if (args.length == 0) {
      err.print(generalHelp());
      return USAGE;
    }
    String name = args[0];
    if (name.equals("--help") || name.equals("-h") || name.equals("help")) {
      if (args.length > 1 && Command.named(args[1]).isPresent()) {
        out.print(commandHelp(Command.named(args[1]).get()));
      } else {
        out.print(generalHelp());
      }
      return OK;
    }
    Optional<Command> command = Command.named(name);
    if (command.isEmpty()) {
      err.println("llm-budget: unknown command '" + name + "'; commands: "
          + String.join(", ", Arrays.stream(Command.values()).map(c -> c.name).toList())
          + " (java -jar llm-budget-agent.jar --help)");
      return USAGE;
    }
    Command c = command.get();
    BudgetStore store = null;
    try {
      CommandLine cl = CommandLine.parse(c.name, List.of(args).subList(1, args.length), c.valued, c.flags);
      if (cl.flag("help")) {
        out.print(commandHelp(c));
        return OK;
      }
      if (c.positionals >= 0) {
        cl.requirePositionals(c.positionals, c.usage);
      }
      BudgetConfig config = config(cl);
      boolean writes = c == Command.SET_BUDGET || c == Command.SET_GLOBAL || c == Command.RESET;
      Arguments a = validate(c, cl);
      store = open(config, writes);
      // Redis and PostgreSQL hold every JVM's reservations; the local file and hosted store do not.
      execute(c, cl, a, store, "redis".equals(config.store()) || "postgres".equals(config.store()));
      store.close();
      store = null;
      return OK;
    } catch (UsageException | IllegalArgumentException e) {
      err.println("llm-budget " + c.name + ": " + e.getMessage());
      err.println("usage: java -jar llm-budget-agent.jar " + c.usage + "   (--help for more)");
      return USAGE;
    } catch (Unreachable e) {
      err.println("llm-budget " + c.name + ": " + e.getMessage());
      return UNREACHABLE;
    } catch (BudgetStoreException e) {
      err.println("llm-budget " + c.name + ": store unreachable: " + e.getMessage());
      return UNREACHABLE;
    } catch (IOException e) {
      err.println("llm-budget " + c.name + ": " + e);
      return USAGE;
    } catch (RuntimeException e) {
      err.println("llm-budget " + c.name + ": the store failed: " + e);
      return UNREACHABLE;
    } finally {
      if (store != null) {
        try {
          store.close();
        } catch (RuntimeException e) {
          err.println("llm-budget " + c.name + ": closing the store failed: " + e.getMessage());
        }
      }
    }
  }

  /** Validated positionals of the commands that change budgets, checked before the store is opened. */
  private record Arguments(String user, BigDecimal amount, BudgetDuration duration) {}

  private static Arguments validate(Command c, CommandLine cl) {
    List<String> p = cl.positionals();
    BudgetDuration duration = cl.option("duration") == null ? null : duration(cl.option("duration"));
    switch (c) {
      case SHOW:
        return new Arguments(user(p.get(0)), null, null);
      case SET_BUDGET:
        return new Arguments(user(p.get(0)), amount(p.get(1)), duration);
      case SET_GLOBAL:
        return new Arguments(null, amount(p.get(0)), duration);
      case RESET:
        if (cl.flag("all") == (p.size() == 1) || p.size() > 1) {
          throw new UsageException("'reset' takes one USER or --all");
        }
        return new Arguments(cl.flag("all") ? null : user(p.get(0)), null, null);
      default:
        if ((cl.flag("json") ? 1 : 0) + (cl.flag("csv") ? 1 : 0) + (cl.option("html") != null ? 1 : 0) > 1) {
          throw new UsageException("choose one of --json, --csv, --html");
        }
        return new Arguments(null, null, null);
    }
  }

  private static String user(String user) {
    if (user.isBlank()) {
      throw new UsageException("USER must not be blank");
    }
    if (user.equals(BudgetStore.GLOBAL_KEY)) {
      throw new UsageException("'" + user + "' is the global budget's key; use set-global or reset --all");
    }
    return user;
  }

  private static BigDecimal amount(String text) {
    BigDecimal v;
    try {
      v = new BigDecimal(text.trim().startsWith("$") ? text.trim().substring(1) : text.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("AMOUNT '" + text + "' is not a dollar amount (e.g. 5.00)");
    }
    if (v.signum() < 0) {
      throw new UsageException("AMOUNT must not be negative, was " + text);
    }
    if (v.compareTo(Picodollars.MAX_DOLLARS) > 0) {
      throw new UsageException("AMOUNT $" + v.toPlainString() + " is beyond the largest supported budget of $"
          + Picodollars.MAX_DOLLARS.toPlainString());
    }
    if (v.scale() > 12) {
      throw new UsageException("AMOUNT " + text + " has more than 12 decimals (a picodollar is the smallest unit)");
    }
    return v;
  }

  private static BudgetDuration duration(String text) {
    try {
      return BudgetDuration.parse(text);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--duration: " + e.getMessage());
    }
  }

  /** The agent's configuration, with the store options given on the command line winning. */
  private static BudgetConfig config(CommandLine cl) {
    Map<String, String> overrides = new HashMap<>();
    STORE_OPTIONS.forEach((option, key) -> {
      String v = cl.option(option);
      if (v != null) {
        overrides.put(key, v);
      }
    });
    BudgetConfig config = BudgetConfig.from(overrides, System.getenv());
    if ("memory".equals(config.store())) {
      throw new UsageException("the memory store lives inside one application's JVM, the CLI cannot reach it; "
          + "use a shared store (local file, hosted, redis, postgres)");
    }
    return config;
  }

  /** A store problem the CLI found itself (a missing file), exit code 2. */
  private static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message);
    }
  }

  private static BudgetStore open(BudgetConfig config, boolean writes) {
    // The isolated classes (HTTP reads, client stores) are packed as inst/**.classdata; here core is
    // in the application class loader, so that is their parent.
    Extensions.useIsolatedLoader(new IsolatedClassLoader(LlmBudgetCli.class.getClassLoader()));
    if ("local".equals(config.store()) && !writes) {
      Path file = config.storePath().toAbsolutePath().normalize();
      if (!Files.isRegularFile(file)) {
        throw new Unreachable("no store file " + file + " (set --path or llmbudget.store.path)");
      }
    }
    return StoreRegistry.openDetached(config);
  }

  private void execute(Command c, CommandLine cl, Arguments a, BudgetStore store, boolean reservedKnown)
      throws IOException {
    Instant now = Instant.now();
    switch (c) {
      case REPORT: {
        Report report = Report.of(store, now, reservedKnown);
        if (cl.flag("json")) {
          out.print(report.json());
        } else if (cl.flag("csv")) {
          out.print(report.csv());
        } else if (cl.option("html") != null) {
          Path file = Path.of(cl.option("html")).toAbsolutePath();
          Files.writeString(file, HtmlReport.render(report), StandardCharsets.UTF_8);
          out.println("wrote " + file + " (" + report.users().size() + " users)");
        } else {
          out.print(report.table());
        }
        break;
      }
      case USERS: {
        Report report = Report.of(store, now, reservedKnown);
        List<String> users = new TreeSet<>(report.users().stream().map(Report.Row::name).toList()).stream().toList();
        if (cl.flag("json")) {
          out.print(Report.toJson(users));
        } else {
          users.forEach(out::println);
        }
        break;
      }
      case SHOW: {
        BudgetSnapshot s = store.snapshot(a.user(), now)
            .orElseThrow(() -> new UsageException("no user '" + a.user() + "' in " + store.describe()));
        Report.Row row = new Report.Row(a.user(), s);
        java.util.List<dev.llmbudget.store.SpendHistory.Day> days = Report.history(store, a.user(), now);
        if (cl.flag("json")) {
          Map<String, Object> json = Report.jsonRow(row, true, reservedKnown);
          if (days != null) {
            json.put("spend_per_day", Report.jsonDays(days));
          }
          out.print(Report.toJson(json));
        } else {
          out.print(describe(row, reservedKnown, days));
        }
        break;
      }
      case SET_BUDGET:
      case SET_GLOBAL: {
        String key = c == Command.SET_GLOBAL ? BudgetStore.GLOBAL_KEY : a.user();
        BudgetDuration duration = a.duration();
        if (duration == null) {
          duration = store.snapshot(key, now).map(BudgetSnapshot::duration).orElse(null);
        }
        store.putBudget(key, a.amount(), duration, now);
        store.flush();
        BudgetSnapshot s = store.snapshot(key, now).orElseThrow();
        out.println((c == Command.SET_GLOBAL ? "global" : a.user()) + ": budget " + Report.dollars(a.amount())
            + " " + Report.duration(duration) + ", spent " + Report.dollars(s.currentCost()) + " in this period ("
            + store.describe() + ")");
        break;
      }
      case RESET: {
        List<String> keys = a.user() != null ? List.of(a.user()) : List.copyOf(new TreeSet<>(store.keys()));
        if (a.user() != null && store.snapshot(a.user(), now).isEmpty()) {
          throw new UsageException("no user '" + a.user() + "' in " + store.describe());
        }
        for (String key : keys) {
          store.resetCost(key, now);
        }
        store.flush();
        for (String key : keys) {
          out.println("reset " + (BudgetStore.GLOBAL_KEY.equals(key) ? "global" : key) + ": spent $0.00 from " + now);
        }
        break;
      }
      default:
        throw new IllegalStateException(c.name);
    }
  }

  private static String describe(Report.Row r, boolean reservedKnown,
      java.util.List<dev.llmbudget.store.SpendHistory.Day> days) {
    BudgetSnapshot s = r.snapshot();
    BigDecimal pct = r.percentUsed();
    StringBuilder sb = new StringBuilder();
    sb.append("user:         ").append(r.name()).append('\n');
    sb.append("spent:        ").append(Report.dollars(s.currentCost())).append('\n');
    sb.append("budget:       ").append(s.totalBudget() == null ? "none (spend is only tracked)" : Report.dollars(s.totalBudget())).append('\n');
    if (pct != null) {
      sb.append("used:         ").append(pct.toPlainString()).append("%\n");
      sb.append("remaining:    ").append(Report.dollars(s.totalBudget().subtract(s.currentCost()).max(BigDecimal.ZERO))).append('\n');
    }
    sb.append("reserved:     ").append(reservedKnown ? Report.dollars(s.reserved()) : "n/a").append('\n');
    sb.append("resets:       ").append(Report.duration(s.duration())).append('\n');
    sb.append("period start: ").append(s.periodStart()).append('\n');
    sb.append("next reset:   ").append(s.nextReset() == null ? "-" : s.nextReset().toString()).append('\n');
    sb.append("models:").append(r.models().isEmpty() ? " none\n" : "\n");
    for (Map.Entry<String, BigDecimal> e : r.models()) {
      sb.append("  ").append(e.getKey()).append("  ").append(Report.dollars(e.getValue())).append('\n');
    }
    if (days != null) {
      sb.append("spend per day (last ").append(Report.HISTORY_DAYS).append(" days):").append(days.isEmpty() ? " none\n" : "\n");
      for (dev.llmbudget.store.SpendHistory.Day d : days) {
        sb.append("  ").append(d.day()).append("  ").append(Report.dollars(d.cost())).append("  (").append(d.calls())
            .append(d.calls() == 1 ? " call)\n" : " calls)\n");
      }
    }
    if (!reservedKnown) {
      sb.append(Report.RESERVED_UNKNOWN).append('\n');
    }
    return sb.toString();
  }

  private static String generalHelp() {
    StringBuilder sb = new StringBuilder();
    sb.append("usage: java -jar llm-budget-agent.jar COMMAND [options]\n\nCommands:\n");
    for (Command c : Command.values()) {
      sb.append(String.format("  %-40s %s%n", c.usage, c.help.substring(0, c.help.indexOf('.') + 1).replace('\n', ' ')));
    }
    sb.append("\n").append(STORE_HELP)
        .append("\nExit codes: 0 done, 1 usage error, 2 store unreachable.\n")
        .append("java -jar llm-budget-agent.jar COMMAND --help explains one command.\n");
    return sb.toString();
  }

  private static String commandHelp(Command c) {
    return "usage: java -jar llm-budget-agent.jar " + c.usage + "\n\n" + c.help + "\n\n" + STORE_HELP
        + "\nExit codes: 0 done, 1 usage error, 2 store unreachable.\n";
  }
}
