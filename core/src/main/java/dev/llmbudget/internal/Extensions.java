package dev.llmbudget.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the implementations that live outside what the agent puts on the bootstrap class path:
 * the classes under {@code dev.llmbudget.isolated} (HTTP reads, stores that need JDBC or a client
 * library). Used as a library, they come from core's own class loader through {@link ServiceLoader};
 * under the agent, from the agent's isolated class loader, whose parent is the platform loader, so
 * they may use any JDK module. They reach core only through public interfaces such as
 * {@link RemoteReader} and {@link dev.llmbudget.store.BudgetStoreProvider}.
 */
public final class Extensions {

  private static volatile ClassLoader isolated;

  private Extensions() {}

  /**
   * Called once by the agent, before anything looks an extension up. Public only for the agent.
   */
  public static void useIsolatedLoader(ClassLoader loader) {
    isolated = loader;
  }

  /** Every implementation of {@code spi} that can be loaded, in the order the service files list them. */
  public static <T> List<T> load(Class<T> spi) {
    ClassLoader loader = isolated != null ? isolated : Extensions.class.getClassLoader();
    if (loader == null) {
      // Core on the bootstrap path without the agent's loader (an attach that failed half way):
      // there is nothing to find the isolated classes with.
      return List.of();
    }
    List<T> found = new ArrayList<>();
    ServiceLoader.load(spi, loader).stream().forEach(p -> {
      try {
        found.add(p.get());
      } catch (ServiceConfigurationError | LinkageError e) {
        Log.warn("llm-budget: cannot load " + p.type().getName() + " for " + spi.getSimpleName() + ": " + e, e);
      }
    });
    return found;
  }

  private static volatile RemoteReader remoteReader;

  /** Looked up on first use, so nothing is loaded by a JVM that never reads a URL. */
  static RemoteReader remoteReader() {
    RemoteReader r = remoteReader;
    if (r == null) {
      List<RemoteReader> all = load(RemoteReader.class);
      if (all.isEmpty()) {
        throw new IllegalStateException("no implementation of " + RemoteReader.class.getName()
            + " could be loaded; the llm-budget jar is incomplete");
      }
      r = all.get(0);
      remoteReader = r;
    }
    return r;
  }
}
