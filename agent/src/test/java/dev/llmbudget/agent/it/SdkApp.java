package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.testkit.ChildApp;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application the ITs run in a child JVM with the agent attached. It makes SDK calls as told by
 * its arguments and prints one line per result:
 * {@code SdkApp <openai|anthropic> <baseUrl> <maxTokens> <step>...}, a step being
 * {@code action[@user]} (user bound with BudgetContext), {@code action[%user]} (user in the MDC)
 * or {@code action[^user]} (bound, then handed to a wrapped executor).
 */
public final class SdkApp {

  public static void main(String[] args) throws Exception {
    if (args[0].equals("nosdk")) {
      System.out.println("APP OK without SDK, core loader="
          + (BudgetContext.class.getClassLoader() == null ? "bootstrap" : "app"));
      System.out.println("TOKENS " + dev.llmbudget.tokens.TokenCounter.forModel("gpt-4o").count("hello world"));
      return;
    }
    LlmCalls calls = args[0].equals("openai")
        ? new OpenAiCalls(args[1], Long.parseLong(args[2]))
        : new AnthropicCalls(args[1], Long.parseLong(args[2]));
    Set<String> users = new LinkedHashSet<>();
    for (int i = 3; i < args.length; i++) {
      String step = args[i];
      int at = firstOf(step, "@%^");
      String action = at < 0 ? step : step.substring(0, at);
      String user = at < 0 ? null : step.substring(at + 1);
      if (user != null) {
        users.add(user);
      }
      if (action.startsWith("budget:")) {
        ChildApp.createBudget(action.substring("budget:".length()));
        continue;
      }
      if (action.startsWith("attach:")) {
        // attach:<agent jar> loads the agent into this running JVM, after the SDK classes are loaded.
        String self = Long.toString(ProcessHandle.current().pid());
        com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(self);
        try {
          vm.loadAgent(action.substring("attach:".length()), System.getProperty("it.attach.args", ""));
        } finally {
          vm.detach();
        }
        System.out.println("ATTACHED");
        continue;
      }
      if (action.startsWith("hold:")) {
        // hold:<dollars>@user reserves through the agent's engine and never settles: an abandoned call
        BudgetRuntime.get().engine().reserve(user, new java.math.BigDecimal(action.substring("hold:".length())));
        continue;
      }
      if (action.startsWith("sleep:")) {
        Thread.sleep(Long.parseLong(action.substring("sleep:".length())));
        continue;
      }
      if (action.equals("why")) {
        // a sync call whose result is the message of the refusal, as the host sees it
        ChildApp.printStep(step, BudgetContext.call(user, () -> refusalMessage(calls)));
        continue;
      }
      if (action.startsWith("concurrent")) {
        concurrent(calls, Integer.parseInt(action.substring("concurrent".length())), user);
        continue;
      }
      ChildApp.Call call = () -> run(calls, action);
      String result;
      if (at < 0) {
        result = ChildApp.outcome(call);
      } else if (step.charAt(at) == '@') {
        result = BudgetContext.call(user, () -> ChildApp.outcome(call));
      } else if (step.charAt(at) == '%') {
        org.slf4j.MDC.put("userId", user);
        try {
          result = ChildApp.outcome(call);
        } finally {
          org.slf4j.MDC.remove("userId");
        }
      } else {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
          String[] box = new String[1];
          CountDownLatch done = new CountDownLatch(1);
          BudgetContext.run(user, () -> BudgetContext.wrap((java.util.concurrent.Executor) pool).execute(() -> {
            box[0] = ChildApp.outcome(call);
            done.countDown();
          }));
          done.await(60, TimeUnit.SECONDS);
          result = box[0];
        } finally {
          pool.shutdownNow();
        }
      }
      ChildApp.printStep(step, result);
    }
    if (Boolean.getBoolean("it.unmetered")) {
      System.out.println("UNMETERED " + dev.llmbudget.GlobalBudget.unmeteredCalls());
      System.exit(0);
    }
    ChildApp.printSpent(users);
    if (Boolean.getBoolean("it.manager")) {
      dev.llmbudget.BudgetManager manager = new dev.llmbudget.BudgetManager("default", "memory", null);
      for (String u : users) {
        System.out.println("MANAGER " + u + " " + manager.getCurrentCost(u).toPlainString()
            + " loader=" + (manager.getClass().getClassLoader() == null ? "bootstrap" : "app"));
      }
    }
    BudgetRuntime.get().engine().store().flush();
    System.exit(0);
  }

  private static void run(LlmCalls calls, String action) throws Exception {
    switch (action) {
      case "sync":
        calls.sync();
        break;
      case "async":
        calls.async();
        break;
      case "stream":
        calls.stream();
        break;
      case "early":
        calls.streamEarly();
        break;
      default:
        calls.other(action);
    }
  }

  private static void concurrent(LlmCalls calls, int threads, String user) throws InterruptedException {
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger blocked = new AtomicInteger();
    List<String> errors = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          String r = user == null ? ChildApp.outcome(calls::sync)
              : BudgetContext.call(user, () -> ChildApp.outcome(calls::sync));
          if (r.equals("OK")) {
            ok.incrementAndGet();
          } else if (r.startsWith("BLOCKED")) {
            blocked.incrementAndGet();
          } else {
            synchronized (errors) {
              errors.add(r);
            }
          }
        } catch (Exception e) {
          synchronized (errors) {
            errors.add(e.toString());
          }
        }
      });
      t.start();
      all.add(t);
    }
    start.countDown();
    for (Thread t : all) {
      t.join(120_000);
    }
    System.out.println("CONCURRENT ok=" + ok + " blocked=" + blocked + " errors=" + errors);
  }

  private static String refusalMessage(LlmCalls calls) {
    try {
      calls.sync();
      return "OK";
    } catch (Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof dev.llmbudget.BudgetExceededError) {
          return c.getMessage();
        }
      }
      return "ERROR " + t;
    }
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
