package dev.llmbudget.agent.instrumentation.springai;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reactor's {@code Flux} as seen from one class loader, through method handles typed with
 * {@code java.util.function} types only: {@code error}, {@code defer}, {@code doOnNext},
 * {@code doFinally} and {@code onErrorMap}. Looked up once per chat model class.
 */
final class ReactorFlux {

  private static final String FLUX = "reactor.core.publisher.Flux";
  /** Keyed by the chat model's class, whose loader sees Reactor; a ClassValue pins no loader. */
  private static final ClassValue<Object> BY_MODEL_CLASS = new ClassValue<>() {
    @Override
    protected Object computeValue(Class<?> modelClass) {
      try {
        return new ReactorFlux(modelClass.getClassLoader());
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        return e;
      }
    }
  };

  private final MethodHandle error;
  private final MethodHandle defer;
  private final MethodHandle doOnNext;
  private final MethodHandle doFinally;
  private final MethodHandle doOnComplete;
  private final MethodHandle onErrorMap;

  private ReactorFlux(ClassLoader loader) throws ReflectiveOperationException {
    Class<?> flux = Class.forName(FLUX, false, loader);
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    error = lookup.unreflect(flux.getMethod("error", Throwable.class))
        .asType(MethodType.methodType(Object.class, Throwable.class));
    defer = lookup.unreflect(flux.getMethod("defer", Supplier.class))
        .asType(MethodType.methodType(Object.class, Supplier.class));
    doOnNext = lookup.unreflect(flux.getMethod("doOnNext", Consumer.class))
        .asType(MethodType.methodType(Object.class, Object.class, Consumer.class));
    doFinally = lookup.unreflect(flux.getMethod("doFinally", Consumer.class))
        .asType(MethodType.methodType(Object.class, Object.class, Consumer.class));
    doOnComplete = lookup.unreflect(flux.getMethod("doOnComplete", Runnable.class))
        .asType(MethodType.methodType(Object.class, Object.class, Runnable.class));
    onErrorMap = lookup.unreflect(flux.getMethod("onErrorMap", Function.class))
        .asType(MethodType.methodType(Object.class, Object.class, Function.class));
  }

  /** Reactor as {@code chatModel}'s class loader sees it; throws what the lookup threw. */
  static ReactorFlux of(Object chatModel) {
    Object v = BY_MODEL_CLASS.get(chatModel.getClass());
    if (v instanceof ReactorFlux) {
      return (ReactorFlux) v;
    }
    throw new IllegalStateException("Reactor's Flux is not usable from " + chatModel.getClass().getName(), (Throwable) v);
  }

  Object error(Throwable t) throws Throwable {
    return error.invokeExact(t);
  }

  Object defer(Supplier<Object> publisher) throws Throwable {
    return defer.invokeExact(publisher);
  }

  Object doOnNext(Object flux, Consumer<Object> onNext) throws Throwable {
    return doOnNext.invokeExact(flux, onNext);
  }

  Object doFinally(Object flux, Consumer<Object> onFinally) throws Throwable {
    return doFinally.invokeExact(flux, onFinally);
  }

  /** Runs {@code onComplete} before the completion goes downstream (doFinally runs after). */
  Object doOnComplete(Object flux, Runnable onComplete) throws Throwable {
    return doOnComplete.invokeExact(flux, onComplete);
  }

  Object onErrorMap(Object flux, Function<Throwable, Throwable> mapper) throws Throwable {
    return onErrorMap.invokeExact(flux, mapper);
  }
}
