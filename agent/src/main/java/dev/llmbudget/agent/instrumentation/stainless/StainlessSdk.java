package dev.llmbudget.agent.instrumentation.stainless;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * One Stainless-generated Java SDK: the package of its HTTP layer and which of its requests are
 * priced LLM calls. The SDKs share everything else, down to the retrying client's method names.
 */
public final class StainlessSdk {

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

  /**
   * Adds the metering advice to {@code RetryingHttpClient.execute/executeAsync} and the
   * user-capturing advice to {@code PrepareRequest.prepareAsync}; each matches only in its class.
   */
  public AgentBuilder.Transformer transformer() {
    // The advice classes live in the bootstrap loader; read their bytes from the agent jar,
    // which the JVM also put on the system class path.
    ClassFileLocator locator = new ClassFileLocator.Compound(
        ClassFileLocator.ForClassLoader.ofSystemLoader(), ClassFileLocator.ForClassLoader.ofBootLoader());
    Advice execute = Advice.to(RetryingHttpClientAdvice.Execute.class, locator);
    Advice executeAsync = Advice.to(RetryingHttpClientAdvice.ExecuteAsync.class, locator);
    Advice prepareAsync = Advice.to(RetryingHttpClientAdvice.PrepareAsync.class, locator);
    return (builder, type, loader, module, protectionDomain) -> builder
        .visit(execute.on(named("execute").and(takesArguments(2))))
        .visit(executeAsync.on(named("executeAsync").and(takesArguments(2))))
        .visit(prepareAsync.on(named("prepareAsync").and(takesArguments(3).or(takesArguments(4)))));
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
}
