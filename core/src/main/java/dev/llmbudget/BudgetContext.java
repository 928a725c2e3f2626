package dev.llmbudget;

import dev.llmbudget.internal.MdcUser;
import dev.llmbudget.internal.UserIds;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * Binds the user whose budget pays for the LLM calls made on this thread. Without a binding, the
 * user comes from the host application's SLF4J MDC (key {@code llmbudget.mdc_key}, default
 * {@code userId}); without either, only the global budget applies.
 */
public final class BudgetContext {

  private static final ThreadLocal<String> USER = new ThreadLocal<>();

  private BudgetContext() {}

  /**
   * Runs {@code work} with {@code user} bound; the previous binding is restored afterwards.
   *
   * @throws IllegalArgumentException when {@code user} is blank, longer than 256 chars, has control
   *     characters or is the global budget's key
   */
  public static void run(String user, Runnable work) {
    Objects.requireNonNull(work, "work");
    String previous = bind(requireUser(user));
    try {
      work.run();
    } finally {
      restore(previous);
    }
  }

  /** Calls {@code work} with {@code user} bound; the previous binding is restored afterwards. */
  public static <T> T call(String user, Callable<T> work) throws Exception {
    Objects.requireNonNull(work, "work");
    String previous = bind(requireUser(user));
    try {
      return work.call();
    } finally {
      restore(previous);
    }
  }

  /** The user bound by {@link #run}/{@link #call}, else the MDC's, else {@code null}. */
  public static String currentUser() {
    String user = USER.get();
    return user != null ? user : MdcUser.read();
  }

  /** The user bound by {@link #run}/{@link #call} on this thread only, ignoring the MDC. */
  public static String boundUser() {
    return USER.get();
  }

  /** A task that runs with the user bound now (or none), wherever it is executed. */
  public static Runnable wrap(Runnable task) {
    Objects.requireNonNull(task, "task");
    String user = currentUser();
    return () -> {
      String previous = bind(user);
      try {
        task.run();
      } finally {
        restore(previous);
      }
    };
  }

  /** A callable that runs with the user bound now (or none), wherever it is executed. */
  public static <T> Callable<T> wrap(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    String user = currentUser();
    return () -> {
      String previous = bind(user);
      try {
        return task.call();
      } finally {
        restore(previous);
      }
    };
  }

  /** An executor that hands the submitting thread's user to every task it runs. */
  public static Executor wrap(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    return task -> executor.execute(wrap(task));
  }

  private static String requireUser(String user) {
    return UserIds.check(user);
  }

  private static String bind(String user) {
    String previous = USER.get();
    if (user == null) {
      USER.remove();
    } else {
      USER.set(user);
    }
    return previous;
  }

  private static void restore(String previous) {
    if (previous == null) {
      USER.remove();
    } else {
      USER.set(previous);
    }
  }
}
