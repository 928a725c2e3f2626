package dev.llmbudget.testkit;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Class paths for a {@link ChildJvm}: what a host application would have, taken from this test JVM's
 * class path or from a file an {@code oldest} module wrote. Each holds the test classes and this
 * testkit (for {@link ChildApp}), never core, the agent or the test framework: the agent brings core.
 */
public final class ChildClassPath {

  private static final List<String> TEST_CLASS_PATH = Arrays.asList(
      System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator));
  /** Our own build and the test framework, which a host application would not have. */
  private static final List<String> NOT_THE_APP = List.of("/core/target/", "/agent/target/", "/testkit/target/",
      "byte-buddy", "junit", "opentest4j", "apiguardian", "assertj", "surefire", "failsafe",
      // A second SLF4J provider beside slf4j-jdk14; only children that ask for it get it (see plus).
      "logback");

  private ChildClassPath() {
  }

  /**
   * The test classes plus the SDKs and their dependencies as the test class path has them (the newest
   * versions, as the module's pom names them), less entries whose path contains any of {@code alsoNotTheApp}.
   */
  public static String newest(String... alsoNotTheApp) {
    List<String> excluded = Arrays.asList(alsoNotTheApp);
    return join(TEST_CLASS_PATH.stream()
        .filter(e -> isTestClasses(e) || isApp(e) && excluded.stream().noneMatch(slashed(e)::contains)));
  }

  /**
   * The test classes, the test class path's entries whose path contains any of {@code alsoFromTestClassPath}
   * (e.g. {@code slf4j}), and the class path in the file that system property {@code property} names,
   * as {@code maven-dependency-plugin:build-classpath} in an {@code oldest} module writes it.
   */
  public static String fromFile(String property, String... alsoFromTestClassPath) {
    String file = System.getProperty(property);
    if (file == null) {
      throw new IllegalStateException("no system property " + property + ": run the ITs with mvn verify from the root");
    }
    String sdk;
    try {
      sdk = Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      throw new IllegalStateException("no class path file for " + property + ": run mvn verify from the root", e);
    }
    List<String> also = Arrays.asList(alsoFromTestClassPath);
    String own = join(TEST_CLASS_PATH.stream().filter(e -> isTestClasses(e) || also.stream().anyMatch(e::contains)));
    return own + File.pathSeparator + sdk;
  }

  /** {@code classPath} plus the test class path's entries whose path contains any of {@code fragments}. */
  public static String plus(String classPath, String... fragments) {
    List<String> wanted = Arrays.asList(fragments);
    String more = join(TEST_CLASS_PATH.stream().filter(e -> wanted.stream().anyMatch(slashed(e)::contains)));
    return more.isEmpty() ? classPath : classPath + File.pathSeparator + more;
  }

  /** The test classes alone: an application without any SDK. */
  public static String testClassesOnly() {
    return join(TEST_CLASS_PATH.stream().filter(ChildClassPath::isTestClasses));
  }

  private static String join(Stream<String> entries) {
    List<String> all = new ArrayList<>();
    entries.forEach(all::add);
    all.add(testkit());
    return String.join(File.pathSeparator, all);
  }

  private static boolean isTestClasses(String entry) {
    return slashed(entry).endsWith("/test-classes");
  }

  private static boolean isApp(String entry) {
    String e = slashed(entry);
    String name = e.substring(e.lastIndexOf('/') + 1);
    return !name.startsWith("llm-budget-") && NOT_THE_APP.stream().noneMatch(e::contains);
  }

  private static String slashed(String entry) {
    return entry.replace('\\', '/');
  }

  /** Where this class was loaded from: testkit's jar or its classes directory. Only its own classes are needed. */
  private static String testkit() {
    try {
      return Path.of(ChildClassPath.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
