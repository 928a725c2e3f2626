package dev.llmbudget.agent.instrumentation.bedrock;

import dev.llmbudget.internal.Log;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The no-argument getters of SDK model objects ({@code modelId()}, {@code usage()},
 * {@code inputTokens()}...), reached by name through method handles cached per class, so nothing of
 * ours links against the SDK. A getter a version lacks reads as {@code null}: fields the SDK added
 * later (cache token counts) simply read as absent on older versions.
 */
final class Accessors {

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);
  private static final MethodHandle ABSENT =
      MethodHandles.dropArguments(MethodHandles.constant(Object.class, null), 0, Object.class);

  private static final ClassValue<Map<String, MethodHandle>> GETTERS = new ClassValue<>() {
    @Override
    protected Map<String, MethodHandle> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private Accessors() {}

  /** {@code target.name()}, or {@code null} when target is null, has no such getter, or it fails. */
  static Object get(Object target, String name) {
    try {
      return value(target, name);
    } catch (Throwable t) {
      Class<?> type = target.getClass();
      Log.warnOnce("bedrock-get:" + type.getName() + "." + name, "llm-budget: could not read " + type.getName()
          + "." + name + "() (" + t + "); the call is metered without it", t);
      return null;
    }
  }

  /**
   * As {@link #get}, for reading an answer: a getter that fails throws, naming it, where {@link #get}
   * would read it as absent. A request read without a field is still metered; an answer read without
   * its usage or text would be charged too little, so the call is charged what it reserved instead.
   */
  static Object read(Object target, String name) {
    try {
      return value(target, name);
    } catch (Throwable t) {
      throw new IllegalStateException(target.getClass().getName() + "." + name + "() failed (" + t + ")", t);
    }
  }

  private static Object value(Object target, String name) throws Throwable {
    if (target == null) {
      return null;
    }
    Class<?> type = target.getClass();
    MethodHandle getter = GETTERS.get(type).computeIfAbsent(name, n -> find(type, n));
    return getter.invokeExact(target);
  }

  /** Whether {@code target}'s class has the public getter {@code name}. */
  static boolean has(Object target, String name) {
    return target != null && GETTERS.get(target.getClass()).computeIfAbsent(name, n -> find(target.getClass(), n)) != ABSENT;
  }

  static String text(Object target, String name) {
    return asText(get(target, name));
  }

  /** A count, 0 when absent. */
  static long count(Object target, String name) {
    return asCount(get(target, name));
  }

  static List<?> list(Object target, String name) {
    return asList(get(target, name));
  }

  /** The bytes of an {@code SdkBytes}, or {@code null}. */
  static byte[] bytes(Object sdkBytes) {
    Object v = get(sdkBytes, "asByteArrayUnsafe");
    return asBytes(v != null ? v : get(sdkBytes, "asByteArray"));
  }

  /** As {@link #text}, reading an answer: see {@link #read}. */
  static String readText(Object target, String name) {
    return asText(read(target, name));
  }

  /** As {@link #count}, reading an answer: see {@link #read}. */
  static long readCount(Object target, String name) {
    return asCount(read(target, name));
  }

  /** As {@link #list}, reading an answer: see {@link #read}. */
  static List<?> readList(Object target, String name) {
    return asList(read(target, name));
  }

  /** As {@link #bytes}, reading an answer: see {@link #read}. */
  static byte[] readBytes(Object sdkBytes) {
    Object v = read(sdkBytes, "asByteArrayUnsafe");
    return asBytes(v != null ? v : read(sdkBytes, "asByteArray"));
  }

  private static String asText(Object v) {
    return v instanceof String ? (String) v : null;
  }

  private static long asCount(Object v) {
    return v instanceof Number ? Math.max(0, ((Number) v).longValue()) : 0;
  }

  private static List<?> asList(Object v) {
    return v instanceof List ? (List<?>) v : List.of();
  }

  private static byte[] asBytes(Object v) {
    return v instanceof byte[] ? (byte[]) v : null;
  }

  private static MethodHandle find(Class<?> type, String name) {
    try {
      Method m = publicDeclaration(type, name);
      return m == null ? ABSENT : MethodHandles.publicLookup().unreflect(m).asType(GETTER);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return ABSENT;
    }
  }

  /** The getter as a public type declares it: an implementation class may itself be package-private. */
  private static Method publicDeclaration(Class<?> type, String name) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (Modifier.isPublic(c.getModifiers())) {
        try {
          Method m = c.getMethod(name);
          if (m.getReturnType() != void.class && Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
            return m;
          }
        } catch (NoSuchMethodException e) {
          return null;
        }
      }
      for (Class<?> i : c.getInterfaces()) {
        Method m = publicDeclaration(i, name);
        if (m != null) {
          return m;
        }
      }
    }
    return null;
  }
}
