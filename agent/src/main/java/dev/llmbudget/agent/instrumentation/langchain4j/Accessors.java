package dev.llmbudget.agent.instrumentation.langchain4j;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * No-argument accessors of LangChain4j objects, reached by name through method handles cached per
 * class: the agent cannot link against LangChain4j, and its types differ a little across versions
 * and providers (an accessor missing in one simply reads as absent).
 */
final class Accessors {

  private static final MethodType GETTER = MethodType.methodType(Object.class, Object.class);
  private static final Optional<MethodHandle> ABSENT = Optional.empty();

  private static final ClassValue<ConcurrentHashMap<String, Optional<MethodHandle>>> BY_CLASS = new ClassValue<>() {
    @Override
    protected ConcurrentHashMap<String, Optional<MethodHandle>> computeValue(Class<?> type) {
      return new ConcurrentHashMap<>();
    }
  };

  private Accessors() {}

  /** Whether {@code target}'s class has a public no-argument method {@code name}. */
  static boolean has(Object target, String name) {
    return target != null && handle(target.getClass(), name).isPresent();
  }

  /** {@code target.name()}, or {@code null} when the target is null or has no such method. */
  static Object call(Object target, String name) throws Throwable {
    if (target == null) {
      return null;
    }
    Optional<MethodHandle> h = handle(target.getClass(), name);
    return h.isPresent() ? (Object) h.get().invokeExact(target) : null;
  }

  /** As {@link #call}, as a string; {@code null} when absent. */
  static String string(Object target, String name) throws Throwable {
    Object v = call(target, name);
    return v == null ? null : v.toString();
  }

  /** As {@link #call}, as a count; 0 when absent. */
  static long count(Object target, String name) throws Throwable {
    Object v = call(target, name);
    return v instanceof Number ? Math.max(0, ((Number) v).longValue()) : 0;
  }

  /** The value of a non-static field {@code name} declared by the class or a superclass, or {@code null}. */
  static Object field(Object target, String name) {
    for (Class<?> c = target.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        if (!Modifier.isStatic(f.getModifiers())) {
          f.setAccessible(true);
          return f.get(target);
        }
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  private static Optional<MethodHandle> handle(Class<?> type, String name) {
    return BY_CLASS.get(type).computeIfAbsent(name, n -> find(type, n));
  }

  private static Optional<MethodHandle> find(Class<?> type, String name) {
    try {
      Method m = type.getMethod(name);
      if (m.getReturnType() == void.class) {
        return ABSENT;
      }
      // The declaring class may be package-private (a provider's own subclass); the method is public.
      m.setAccessible(true);
      return Optional.of(MethodHandles.lookup().unreflect(m).asType(GETTER));
    } catch (NoSuchMethodException e) {
      return ABSENT;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      dev.llmbudget.internal.Log.warnOnce("lc4j-accessor:" + type.getName() + "." + name, "llm-budget: cannot read "
          + type.getName() + "." + name + "() (" + e + "); LangChain4j calls may be metered less precisely", e);
      return ABSENT;
    }
  }
}
