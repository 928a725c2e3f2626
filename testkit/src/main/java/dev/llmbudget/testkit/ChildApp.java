package dev.llmbudget.testkit;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetManager;
import dev.llmbudget.internal.BudgetEngine;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.store.BudgetStore;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The side of a {@link ChildJvm} run that lives in the child: runs the app's steps and prints one line
 * per result, which {@link ChildJvm.Result} reads back. Core comes from the agent, so nothing here
 * touches a core class before a step needs it (an app may attach the agent only after starting).
 */
public final class ChildApp {

  /** {@code STEP <step> <result>}. */
  static final String STEP = "STEP";
  /** {@code SPENT <user or global> <dollars>}. */
  static final String SPENT = "SPENT";
  private static final String BUDGET = "budget:";

  /** One SDK call. */
  @FunctionalInterface
  public interface Call {
    void run() throws Exception;
  }

  /** The SDK call a step's action names, e.g. {@code sync} or {@code stream}. */
  @FunctionalInterface
  public interface Action {
    void run(String action) throws Exception;
  }

  private ChildApp() {
  }

  /**
   * Runs each step in turn and prints its {@code STEP} line, then the {@code SPENT} lines of the global
   * budget and every user named. A step is {@code action}, {@code action@user} (the call runs with
   * {@code user} bound by {@link BudgetContext}) or {@code budget:user=dollars} (gives the user a budget);
   * an action {@code <n>x<action>} runs on {@code n} threads at once and reports
   * {@code ok=<n> blocked=<n> errors=[...]}.
   */
  public static void runSteps(Action action, String... steps) throws Exception {
    Set<String> users = new LinkedHashSet<>();
    for (String step : steps) {
      if (step.startsWith(BUDGET)) {
        createBudget(step.substring(BUDGET.length()));
        continue;
      }
      int at = step.indexOf('@');
      String name = at < 0 ? step : step.substring(0, at);
      String user = at < 0 ? null : step.substring(at + 1);
      if (user != null) {
        users.add(user);
      }
      java.util.regex.Matcher times = TIMES.matcher(name);
      String result = times.matches()
          ? concurrently(Integer.parseInt(times.group(1)), times.group(2), action, user)
          : once(name, action, user);
      printStep(step, result);
    }
    printSpent(users);
  }

  /** {@code 8xsync}: eight threads make a {@code sync} call at once. */
  private static final java.util.regex.Pattern TIMES = java.util.regex.Pattern.compile("(\\d+)x(.+)");

  private static String once(String name, Action action, String user) throws Exception {
    Call call = () -> action.run(name);
    return user == null ? outcome(call) : BudgetContext.call(user, () -> outcome(call));
  }

  /** {@code n} threads released at once, each making the call once: {@code ok=<n> blocked=<n> errors=[...]}. */
  private static String concurrently(int n, String name, Action action, String user) throws InterruptedException {
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    java.util.List<String> results = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          results.add(once(name, action, user));
        } catch (Exception e) {
          results.add("ERROR " + e);
        }
      });
      t.start();
      threads.add(t);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join(120_000);
    }
    long ok = results.stream().filter("OK"::equals).count();
    long blocked = results.stream().filter(r -> r.startsWith("BLOCKED")).count();
    return "ok=" + ok + " blocked=" + blocked + " errors="
        + results.stream().filter(r -> r.startsWith("ERROR")).collect(java.util.stream.Collectors.toList());
  }

  /**
   * What a call came to, as a user would see it: {@code OK}, {@code BLOCKED global},
   * {@code BLOCKED user:<user>} when a {@link BudgetExceededError} is anywhere in what it threw
   * ({@code BLOCKED <SimpleName> <message>} for a subclass, e.g. {@code BudgetUnavailableError}),
   * else {@code ERROR <exception>} (unwrapped from the executor's or future's wrapper).
   */
  public static String outcome(Call call) {
    try {
      call.run();
      return "OK";
    } catch (Throwable t) {
      // Matched by instanceof, not caught: catching would make the verifier load core before the agent is there.
      for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
        if (c instanceof BudgetExceededError) {
          BudgetExceededError e = (BudgetExceededError) c;
          if (e.getClass() != BudgetExceededError.class) {
            return "BLOCKED " + e.getClass().getSimpleName() + " " + String.valueOf(e.getMessage()).replace('\n', ' ');
          }
          return "BLOCKED " + (e.isGlobal() ? "global" : "user:" + e.user().orElse("?"));
        }
      }
      Throwable cause = t;
      while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return "ERROR " + cause;
    }
  }

  /** Prints {@code STEP <step> <result>}. */
  public static void printStep(String step, String result) {
    System.out.println(STEP + " " + step + " " + result);
  }

  /** Prints what the global budget and each of {@code users} spent, as the agent's store holds it. */
  public static void printSpent(Collection<String> users) {
    BudgetEngine engine = BudgetRuntime.get().engine();
    System.out.println(SPENT + " global " + spent(engine, BudgetStore.GLOBAL_KEY));
    for (String user : users) {
      System.out.println(SPENT + " " + user + " " + spent(engine, user));
    }
  }

  /** {@code user=dollars}: gives the user a budget of their own, as an app would with {@link BudgetManager}. */
  public static void createBudget(String userEqualsDollars) {
    String[] kv = userEqualsDollars.split("=");
    new BudgetManager("default", "memory", null).createBudget(Double.parseDouble(kv[1]), kv[0], null);
  }

  private static String spent(BudgetEngine engine, String key) {
    return engine.store().snapshot(key, Instant.now()).map(s -> s.currentCost().toPlainString()).orElse("0");
  }
}
