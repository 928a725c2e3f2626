package dev.llmbudget.internal;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A value opened on first use that, when opening fails, is tried again only after a back-off (1 s,
 * doubling up to a minute) and by one thread at a time; meanwhile every caller fails fast with the
 * last cause. So a broken store or price table never makes LLM calls queue behind a lock or a
 * connection timeout.
 */
final class Retrying<T> implements Supplier<T> {

  static final long FIRST_DELAY_MILLIS = 1_000;
  static final long MAX_DELAY_MILLIS = 60_000;

  private final Supplier<T> open;
  private final Clock clock;
  private final AtomicBoolean opening = new AtomicBoolean();
  private volatile T value;
  private volatile Failure failure;

  Retrying(Supplier<T> open, Clock clock) {
    this.open = open;
    this.clock = clock;
  }

  private record Failure(RuntimeException cause, long notBefore, long delay) {}

  @Override
  public T get() {
    T v = value;
    if (v != null) {
      return v;
    }
    Failure f = failure;
    if (f == null) {
      // The very first attempt: callers wait for it, as there is no earlier answer to give them.
      synchronized (this) {
        v = value;
        if (v != null) {
          return v;
        }
        if (failure == null) {
          return attempt(null);
        }
        f = failure;
      }
    }
    if (clock.millis() < f.notBefore || !opening.compareAndSet(false, true)) {
      throw f.cause;
    }
    try {
      v = value;
      return v != null ? v : attempt(failure);
    } finally {
      opening.set(false);
    }
  }

  /** The cause of the last failed attempt, or {@code null} when the value is open or was never tried. */
  RuntimeException lastFailure() {
    Failure f = failure;
    return value == null && f != null ? f.cause : null;
  }

  private T attempt(Failure previous) {
    try {
      T v = open.get();
      value = v;
      failure = null;
      return v;
    } catch (RuntimeException e) {
      long delay = previous == null ? FIRST_DELAY_MILLIS : Math.min(MAX_DELAY_MILLIS, previous.delay * 2);
      failure = new Failure(e, clock.millis() + delay, delay);
      throw e;
    }
  }
}
