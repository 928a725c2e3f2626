package dev.llmbudget.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The resources llm-budget ships (the price table, its version), read from llm-budget's own jar.
 * Under the agent, core is on the bootstrap class path, and there {@link Class#getResourceAsStream}
 * asks the system class loader, which searches the application's class path first: an app that
 * bundles its own llm-budget-core (to call {@code BudgetContext}), of another version, would have
 * handed the agent that version's price table. The agent names its jar here before anything is
 * read; used as a library, core reads them as any class path resource.
 */
public final class Bundled {

  private static volatile File jar;
  private static JarFile opened;

  private Bundled() {}

  /** Called once by the agent, with the agent jar's path. Public only for the agent. */
  public static void useJar(File agentJar) {
    jar = agentJar;
  }

  /**
   * The resource at {@code absoluteName} ({@code /dev/llmbudget/...}) of llm-budget's jar, or null
   * when it has none.
   */
  public static InputStream open(String absoluteName) throws IOException {
    File from = jar;
    if (from == null) {
      return Bundled.class.getResourceAsStream(absoluteName);
    }
    JarFile file = jarFile(from);
    ZipEntry entry = file.getEntry(absoluteName.substring(1));
    return entry == null ? null : file.getInputStream(entry);
  }

  /**
   * The URL of the resource at {@code absoluteName} of llm-budget's jar, or null when it has none
   * (for a class loader's {@code findResource}, whose callers open URLs).
   */
  public static java.net.URL url(String absoluteName) throws IOException {
    File from = jar;
    if (from == null) {
      return Bundled.class.getResource(absoluteName);
    }
    if (jarFile(from).getEntry(absoluteName.substring(1)) == null) {
      return null;
    }
    return java.net.URI.create("jar:" + from.toURI() + "!" + absoluteName).toURL();
  }

  /**
   * Kept open for the JVM's life, as the class loaders keep the jars they read: the system class
   * loader has this jar open already (it loaded the agent's entry point from it), so opening it
   * again shares that directory instead of reading ~6,000 entries once more.
   */
  private static synchronized JarFile jarFile(File from) throws IOException {
    if (opened == null) {
      opened = new JarFile(from, false);
    }
    return opened;
  }
}
