package dev.llmbudget.agent.internal;

import dev.llmbudget.internal.Bundled;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;

/**
 * Defines the agent's classes that must not live on the bootstrap class path (everything under
 * {@code dev.llmbudget.isolated}): the build packs them into the agent jar as
 * {@code inst/<name>.classdata}, which no other loader takes for a class. Its parent is the platform
 * loader, so they see every JDK module and, through the boot loader, core's public API; the
 * application's classes stay invisible to them.
 */
public final class IsolatedClassLoader extends ClassLoader {

  static final String PREFIX = "inst/";

  static {
    registerAsParallelCapable();
  }

  IsolatedClassLoader() {
    this(ClassLoader.getPlatformClassLoader());
  }

  /**
   * A loader whose parent is {@code parent}: the CLI ({@code java -jar}) runs core from the
   * application class loader, so the isolated classes must find core's types there. Public only
   * for the CLI.
   */
  public IsolatedClassLoader(ClassLoader parent) {
    super("llm-budget-isolated", parent);
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    String entry = "/" + PREFIX + name.replace('.', '/') + ".classdata";
    try (InputStream in = Bundled.open(entry)) {
      if (in == null) {
        throw new ClassNotFoundException(name);
      }
      byte[] bytes = in.readAllBytes();
      return defineClass(name, bytes, 0, bytes.length);
    } catch (IOException e) {
      throw new ClassNotFoundException(name, e);
    }
  }

  /** Only this loader's own entries, so service files of the bootstrap path are not read twice. */
  @Override
  public URL getResource(String name) {
    return findResource(name);
  }

  @Override
  public Enumeration<URL> getResources(String name) {
    URL url = findResource(name);
    return url == null ? Collections.emptyEnumeration() : Collections.enumeration(Collections.singletonList(url));
  }

  @Override
  protected URL findResource(String name) {
    // From the agent's own jar (Bundled), not the first inst/ entry on the app's class path.
    try {
      return Bundled.url("/" + PREFIX + name);
    } catch (IOException e) {
      return null;
    }
  }
}
