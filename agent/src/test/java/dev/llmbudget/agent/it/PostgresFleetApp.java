package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetContext;
import dev.llmbudget.BudgetExceededError;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One JVM of a fleet: {@code threads} threads each make up to {@code attempts} openai-java calls
 * for {@code user}, {@code pauseMs} apart. Prints {@code DONE} after every call that returned
 * (the agent has settled it by then), and at the end {@code OK n}, {@code REFUSED n}, {@code FAILED n}.
 *
 * <p>Arguments: baseUrl user threads attempts maxTokens pauseMs
 */
public final class PostgresFleetApp {

  public static void main(String[] args) throws Exception {
    String baseUrl = args[0];
    String user = args[1];
    int threads = Integer.parseInt(args[2]);
    int attempts = Integer.parseInt(args[3]);
    long maxTokens = Long.parseLong(args[4]);
    long pauseMs = Long.parseLong(args[5]);
    OpenAiCalls calls = new OpenAiCalls(baseUrl, maxTokens);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < attempts; i++) {
          try {
            BudgetContext.call(user, () -> {
              calls.sync();
              return null;
            });
            ok.incrementAndGet();
            synchronized (System.out) {
              System.out.println("DONE");
            }
          } catch (BudgetExceededError e) {
            refused.incrementAndGet();
          } catch (Throwable e) {
            failed.incrementAndGet();
            synchronized (System.out) {
              System.out.println("CALL FAILED " + e);
            }
          }
          if (pauseMs > 0) {
            try {
              Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      });
      th.start();
      all.add(th);
    }
    for (Thread th : all) {
      th.join();
    }
    System.out.println("OK " + ok.get());
    System.out.println("REFUSED " + refused.get());
    System.out.println("FAILED " + failed.get());
  }
}
