package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One JVM of a fleet, run by {@link RedisFleetIT} with the agent on a shared Redis store:
 * {@code FleetApp <mode> <baseUrl> <maxTokens> <threads> <user>}. Modes: {@code calibrate} makes one
 * call that the budget must refuse and prints what it tried to reserve ({@code RESERVATION <$>});
 * {@code run} lets every thread call until a refusal shows nothing in flight anywhere in the fleet
 * (a refusal while calls are in flight may turn into room once they settle), then prints
 * {@code FLEET ok=<n> errors=[...]}; {@code hold} starts the threads' calls and prints {@code HOLDING}.
 */
public final class FleetApp {

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    OpenAiCalls calls = new OpenAiCalls(args[1], Long.parseLong(args[2]));
    int threads = Integer.parseInt(args[3]);
    String user = args[4];
    if (mode.equals("outage")) {
      outage(calls, user, java.nio.file.Path.of(args[5]));
      System.exit(0);
    }
    if (mode.equals("calibrate")) {
      try {
        BudgetContext.run(user, calls::sync);
        System.out.println("RESERVATION none: the call went out");
      } catch (Throwable t) {
        BudgetExceededError e = refusal(t);
        System.out.println("RESERVATION " + (e == null ? t : e.callReservation().toPlainString()));
      }
      System.exit(0);
    }
    AtomicInteger ok = new AtomicInteger();
    List<String> errors = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(() -> {
        try {
          start.await();
          while (true) {
            try {
              BudgetContext.run(user, calls::sync);
              ok.incrementAndGet();
              if (mode.equals("hold")) {
                return;
              }
            } catch (Throwable x) {
              BudgetExceededError e = refusal(x);
              if (e == null) {
                synchronized (errors) {
                  errors.add(x.toString());
                }
                return;
              }
              if (e.reserved().signum() == 0) {
                return;
              }
              Thread.sleep(2);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      t.start();
      all.add(t);
    }
    start.countDown();
    if (mode.equals("hold")) {
      System.out.println("HOLDING");
      System.out.flush();
    }
    for (Thread t : all) {
      t.join(300_000);
    }
    System.out.println("FLEET ok=" + ok + " errors=" + errors);
    System.exit(0);
  }

  /**
   * {@code outage}: one call, then {@code ready1} and a wait for {@code go1} (the test stops Redis),
   * three calls, {@code ready2} and a wait for {@code go2} (the test starts Redis again), one call.
   * Prints {@code CALL<n> <OK|BLOCKED|exception>} for each.
   */
  private static void outage(OpenAiCalls calls, String user, java.nio.file.Path dir) throws Exception {
    int n = 0;
    outcome(++n, calls, user);
    handshake(dir, "1");
    for (int i = 0; i < 3; i++) {
      outcome(++n, calls, user);
    }
    handshake(dir, "2");
    outcome(++n, calls, user);
    dev.llmbudget.internal.BudgetRuntime.get().engine().store().flush();
  }

  private static void handshake(java.nio.file.Path dir, String step) throws Exception {
    java.nio.file.Files.createFile(dir.resolve("ready" + step));
    while (!java.nio.file.Files.exists(dir.resolve("go" + step))) {
      Thread.sleep(20);
    }
  }

  private static void outcome(int n, OpenAiCalls calls, String user) {
    String result;
    try {
      BudgetContext.run(user, calls::sync);
      result = "OK";
    } catch (Throwable t) {
      result = refusal(t) != null ? "BLOCKED" : t.getClass().getSimpleName();
    }
    System.out.println("CALL" + n + " " + result);
    System.out.flush();
  }

  private static BudgetExceededError refusal(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BudgetExceededError) {
        return (BudgetExceededError) c;
      }
    }
    return null;
  }
}
