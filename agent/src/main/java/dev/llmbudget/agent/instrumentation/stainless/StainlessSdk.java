package dev.llmbudget.agent.instrumentation.stainless;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.llmbudget.agent.internal.AdviceWeaver;
import dev.llmbudget.agent.internal.Seam;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;

import java.util.List;

/**
 * One Stainless-generated Java SDK: the package of its HTTP layer and which of its requests are
 * priced LLM calls. The SDKs share everything else, down to the retrying client's method names.
 */
public final class StainlessSdk implements Seam {



  /** Decides from the HTTP method and path whether a request is a priced LLM call. */
  @FunctionalInterface
  public interface Endpoints {
    /** The endpoint of a request, or {@code null} when it is not a priced LLM call. */
    Endpoint classify(String httpMethod, List<String> pathSegments);
  }

  private final String httpPackage;
  private final Endpoints endpoints;

  public StainlessSdk(String httpPackage, Endpoints endpoints) {
    this.httpPackage = httpPackage;
    this.endpoints = endpoints;
  }

  /** E.g. {@code com.openai.core.http}. */
  public String httpPackage() {
    return httpPackage;
  }

  /** The client above the SDK's retry loop: it sees every call exactly once. */
  public String retryingClientName() {
    return httpPackage + ".RetryingHttpClient";
  }

  Endpoint classify(String httpMethod, List<String> pathSegments) {
    return endpoints.classify(httpMethod, pathSegments);
  }

  /**
   * Prepares async requests on the caller's thread; the SDK then sends them from a pool thread,
   * where the caller's {@code BudgetContext} and MDC are gone.
   */
  public String prepareRequestName() {
    return httpPackage.substring(0, httpPackage.length() - ".http".length()) + ".PrepareRequest";
  }

  /** The classes the agent weaves, by their JVM-internal names (as a ClassFileTransformer sees them). */
  @Override
  public List<String> internalNames() {
    return List.of(retryingClientName().replace('.', '/'), prepareRequestName().replace('.', '/'));
  }

  /**
   * The class file of {@code typeName} with the metering advice woven into {@code
   * RetryingHttpClient.execute/executeAsync} and the user-capturing advice into {@code
   * PrepareRequest.prepareAsync}; each matches only in its own class.
   */
  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    // Plain ASM first: Byte Buddy's Advice costs ~700 classes at start-up for the same bytes.
    byte[] woven = StainlessWeaver.weave(classFile);
    if (woven == null) {
      woven = AdviceWeaver.weave(typeName, loader, classFile, Woven.ADVICE);
      // Byte Buddy leaves a class whose methods it does not find as it was, silently: the transformer
      // must hear of a client that no call can go through metered.
      if (typeName.equals(retryingClientName())
          && !(StainlessWeaver.declares(classFile, "execute", 2) && StainlessWeaver.declares(classFile, "executeAsync", 2))) {
        throw new IllegalStateException(typeName + " has no execute/executeAsync(request, options) to weave: an SDK "
            + "version whose HTTP layer the agent does not know");
      }
    }
    if (woven != null && typeName.equals(retryingClientName())) {
      SdkHandles.prepareSoon(this, loader);
    }
    return woven;
  }

  /** As {@link #endsWith(List, String...)} for one segment, without the varargs array on every call. */
  public static boolean endsWith(List<String> path, String last) {
    int n = path.size();
    return n >= 1 && last.equals(path.get(n - 1));
  }

  /** As {@link #endsWith(List, String...)} for two segments, without the varargs array on every call. */
  public static boolean endsWith(List<String> path, String beforeLast, String last) {
    int n = path.size();
    return n >= 2 && beforeLast.equals(path.get(n - 2)) && last.equals(path.get(n - 1));
  }

  /** Paths end with these segments, whatever base URL or deployment prefix precedes them. */
  public static boolean endsWith(List<String> path, String... tail) {
    int offset = path.size() - tail.length;
    if (offset < 0) {
      return false;
    }
    for (int i = 0; i < tail.length; i++) {
      if (!tail[i].equals(path.get(offset + i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The same advice with Byte Buddy, only for a class file {@link StainlessWeaver} does not take
   * (one without stack map frames); built then, so that no other JVM loads Byte Buddy for it.
   */
  private static final class Woven {
    static final AsmVisitorWrapper ADVICE = new AsmVisitorWrapper.Compound(
      Advice.to(RetryingHttpClientAdvice.Execute.class, AdviceWeaver.AGENT_CLASSES)
          .on(named("execute").and(takesArguments(2))),
      Advice.to(RetryingHttpClientAdvice.ExecuteAsync.class, AdviceWeaver.AGENT_CLASSES)
          .on(named("executeAsync").and(takesArguments(2))),
      Advice.to(RetryingHttpClientAdvice.PrepareAsync.class, AdviceWeaver.AGENT_CLASSES)
          .on(named("prepareAsync").and(takesArguments(3).or(takesArguments(4)))));
  }
}
