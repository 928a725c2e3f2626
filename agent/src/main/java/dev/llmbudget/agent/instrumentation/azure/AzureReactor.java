package dev.llmbudget.agent.instrumentation.azure;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reactor's {@code Mono} and {@code Flux} and azure-core's {@code BinaryData} streaming methods as
 * the Azure SDK's class loader sees them, through method handles typed with JDK types only.
 * Looked up once per {@code BinaryData} class.
 */
final class AzureReactor {

  private static final ClassValue<Object> BY_CLASS = new ClassValue<>() {
    @Override
    protected Object computeValue(Class<?> binaryDataClass) {
      try {
        return new AzureReactor(binaryDataClass.getClassLoader());
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        return e;
      }
    }
  };

  private final MethodHandle defer;
  private final MethodHandle error;
  private final MethodHandle just;
  private final MethodHandle flatMap;
  private final MethodHandle map;
  private final MethodHandle monoDoOnTerminate;
  private final MethodHandle monoDoOnCancel;
  private final MethodHandle fluxDoOnNext;
  private final MethodHandle fluxDoOnTerminate;
  private final MethodHandle fluxDoOnCancel;
  private final MethodHandle toFluxByteBuffer;
  private final MethodHandle fromFlux;

  private AzureReactor(ClassLoader loader) throws ReflectiveOperationException {
    Class<?> mono = Class.forName("reactor.core.publisher.Mono", false, loader);
    Class<?> flux = Class.forName("reactor.core.publisher.Flux", false, loader);
    Class<?> binaryData = Class.forName("com.azure.core.util.BinaryData", false, loader);
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    MethodType objObjFn = MethodType.methodType(Object.class, Object.class, Function.class);
    MethodType objObjConsumer = MethodType.methodType(Object.class, Object.class, Consumer.class);
    defer = lookup.unreflect(mono.getMethod("defer", Supplier.class))
        .asType(MethodType.methodType(Object.class, Supplier.class));
    error = lookup.unreflect(mono.getMethod("error", Throwable.class))
        .asType(MethodType.methodType(Object.class, Throwable.class));
    just = lookup.unreflect(mono.getMethod("just", Object.class))
        .asType(MethodType.methodType(Object.class, Object.class));
    flatMap = lookup.unreflect(mono.getMethod("flatMap", Function.class)).asType(objObjFn);
    map = lookup.unreflect(mono.getMethod("map", Function.class)).asType(objObjFn);
    MethodType objObjRunnable = MethodType.methodType(Object.class, Object.class, Runnable.class);
    monoDoOnTerminate = lookup.unreflect(mono.getMethod("doOnTerminate", Runnable.class)).asType(objObjRunnable);
    monoDoOnCancel = lookup.unreflect(mono.getMethod("doOnCancel", Runnable.class)).asType(objObjRunnable);
    fluxDoOnNext = lookup.unreflect(flux.getMethod("doOnNext", Consumer.class)).asType(objObjConsumer);
    fluxDoOnTerminate = lookup.unreflect(flux.getMethod("doOnTerminate", Runnable.class)).asType(objObjRunnable);
    fluxDoOnCancel = lookup.unreflect(flux.getMethod("doOnCancel", Runnable.class)).asType(objObjRunnable);
    toFluxByteBuffer = lookup.unreflect(binaryData.getMethod("toFluxByteBuffer"))
        .asType(MethodType.methodType(Object.class, Object.class));
    fromFlux = lookup.unreflect(binaryData.getMethod("fromFlux", flux, Long.class, boolean.class))
        .asType(MethodType.methodType(Object.class, Object.class, Long.class, boolean.class));
  }

  /** Reactor as the loader of {@code binaryData}'s class sees it; throws what the lookup threw. */
  static AzureReactor of(Object binaryData) {
    Object v = BY_CLASS.get(binaryData.getClass());
    if (v instanceof AzureReactor) {
      return (AzureReactor) v;
    }
    throw new IllegalStateException("Reactor is not usable from " + binaryData.getClass().getName(), (Throwable) v);
  }

  Object defer(Supplier<Object> mono) throws Throwable {
    return defer.invokeExact(mono);
  }

  Object error(Throwable t) throws Throwable {
    return error.invokeExact(t);
  }

  Object just(Object value) throws Throwable {
    return just.invokeExact(value);
  }

  Object flatMap(Object mono, Function<Object, Object> f) throws Throwable {
    return flatMap.invokeExact(mono, f);
  }

  Object map(Object mono, Function<Object, Object> f) throws Throwable {
    return map.invokeExact(mono, f);
  }

  /**
   * {@code mono} that runs {@code onEnd} when it completes or fails, before its subscriber hears of
   * it (so a caller that blocks on it sees the call settled), and {@code onCancel} when cancelled.
   */
  Object watched(Object mono, Runnable onEnd, Runnable onCancel) throws Throwable {
    Object ended = monoDoOnTerminate.invokeExact(mono, onEnd);
    return monoDoOnCancel.invokeExact(ended, onCancel);
  }

  /** {@code data}'s bytes as a {@code Flux<ByteBuffer>} that shows each buffer to {@code onNext}; its end or cancel runs {@code onEnd} first. */
  Object watchedBytes(Object data, Consumer<ByteBuffer> onNext, Runnable onEnd) throws Throwable {
    Object bytes = toFluxByteBuffer.invokeExact(data);
    Consumer<Object> each = b -> onNext.accept((ByteBuffer) b);
    Object watched = fluxDoOnNext.invokeExact(bytes, each);
    Object ended = fluxDoOnTerminate.invokeExact(watched, onEnd);
    return fluxDoOnCancel.invokeExact(ended, onEnd);
  }

  /** {@code Mono<BinaryData>} over {@code flux}, not buffered: the bytes flow as the SDK reads them. */
  Object binaryDataOf(Object flux) throws Throwable {
    return fromFlux.invokeExact(flux, (Long) null, false);
  }
}
