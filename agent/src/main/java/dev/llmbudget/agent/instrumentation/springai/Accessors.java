package dev.llmbudget.agent.instrumentation.springai;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls public no-argument getters by name on Spring AI objects, whose classes the agent cannot
 * link. The {@link Method} for each class and name is looked up once; a getter the class lacks
 * reads as {@code null}, so one code path serves every Spring AI version and provider.
 */
final class Accessors {

  private static final ClassValue<ConcurrentHashMap<String, Optional<Method>>> METHODS = new ClassValue<>() {
    @Override
    protected ConcurrentHashMap<String, Optional<Method>> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private Accessors() {}

  /** {@code target.name()}, or {@code null} when target is null or has no such getter. */
  static Object get(Object target, String name) throws ReflectiveOperationException {
    if (target == null) {
      return null;
    }
    Optional<Method> m = METHODS.get(target.getClass()).computeIfAbsent(name, n -> find(target.getClass(), n));
    if (m.isEmpty()) {
      return null;
    }
    try {
      return m.get().invoke(target);
    } catch (java.lang.reflect.InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw cause instanceof ReflectiveOperationException ? (ReflectiveOperationException) cause : e;
    }
  }

  static String string(Object target, String name) throws ReflectiveOperationException {
    Object v = get(target, name);
    return v == null ? null : v.toString();
  }

  /** A numeric getter's value, 0 when absent or null. */
  static long number(Object target, String name) throws ReflectiveOperationException {
    Object v = get(target, name);
    return v instanceof Number ? Math.max(0, ((Number) v).longValue()) : 0;
  }

  static boolean has(Object target, String name) {
    return target != null && METHODS.get(target.getClass()).computeIfAbsent(name, n -> find(target.getClass(), n)).isPresent();
  }

  private static Optional<Method> find(Class<?> type, String name) {
    Method m;
    try {
      m = type.getMethod(name);
    } catch (NoSuchMethodException | SecurityException e) {
      return Optional.empty();
    }
    if (m.getReturnType() == void.class) {
      return Optional.empty();
    }
    // A public method declared by a non-public class (a record nested in a package-private
    // type) must be made accessible; Spring AI's jars are in unnamed modules, so this works.
    if (!Modifier.isPublic(m.getDeclaringClass().getModifiers())) {
      try {
        m.setAccessible(true);
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
    return Optional.of(m);
  }
}
