package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;

import dev.llmbudget.BudgetExceededError;
import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.GlobalBudget;
import dev.llmbudget.agent.instrumentation.anthropic.AnthropicInstrumentation;
import dev.llmbudget.agent.instrumentation.meter.Refusal;
import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.TargetType;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.implementation.MethodCall;
import net.bytebuddy.implementation.StubMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An SDK version whose {@code HttpRequest} lacks what the agent reads (here {@code body()}, as a
 * future openai-java might rename it): the woven advice hands such requests to {@link HttpSeam},
 * which must refuse or count them as {@code llmbudget.on_error} says, never let them pass unseen.
 */
class UnknownSdkShapeTest {

  @BeforeEach
  void registerSdks() {
    HttpSeam.register(List.of(OpenAiInstrumentation.SDK, AnthropicInstrumentation.SDK));
  }

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void underBlockAPricedCallOfAnSdkInAnUnknownShapeIsRefusedNamingTheClass() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object request = newRequestWithoutBody("POST", List.of("v1", "chat", "completions"));
    long unmetered = CallCounters.unmeteredCount();

    assertThatThrownBy(() -> HttpSeam.enter(request))
        .isInstanceOf(BudgetUnavailableError.class)
        .isInstanceOf(BudgetExceededError.class)
        .hasMessageContaining("com.openai.core.http.HttpRequest does not have the shape this llm-budget agent knows")
        .hasMessageContaining("NoSuchMethodException: com.openai.core.http.HttpRequest.body()")
        .hasMessageEndingWith("the call is refused (llmbudget.on_error=block)");
    // The async form hands the same refusal to the returned future instead of throwing it.
    Object async = HttpSeam.enterAsync(request);
    assertThat(async).isInstanceOf(Refusal.class);
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered);
    // The failure is remembered, not forgotten after the first call.
    assertThatThrownBy(() -> HttpSeam.enter(request)).isInstanceOf(BudgetUnavailableError.class);
  }

  @Test
  void underAllowThePricedCallGoesOnAndIsCountedUnmetered() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    Object request = newRequestWithoutBody("POST", List.of("v1", "chat", "completions"));
    long unmetered = CallCounters.unmeteredCount();
    long policyCount = GlobalBudget.unmeteredCalls();

    assertThat(HttpSeam.enter(request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
    assertThat(GlobalBudget.unmeteredCalls()).isEqualTo(policyCount + 1);
    assertThat(HttpSeam.enter(request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 2);
  }

  @Test
  void aCallThatIsNotPricedStillPassesUnderBlock() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object request = newRequestWithoutBody("GET", List.of("v1", "models"));
    long unmetered = CallCounters.unmeteredCount();

    assertThat(HttpSeam.enter(request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered);
  }

  @Test
  void aRequestClassWithoutEvenItsPathIsRefusedUnderBlock() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object request = new ByteBuddy().subclass(Object.class).name("com.anthropic.core.http.HttpRequest")
        .make().load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();

    assertThatThrownBy(() -> HttpSeam.enter(request))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("com.anthropic.core.http.HttpRequest does not have the shape");
  }

  @Test
  void aPricedCallWhoseBodyIsNotRepeatableIsRefusedUnderBlockAndCountedUnderAllow() throws Exception {
    Object request = newRequestWithUnrepeatableBody();
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    assertThatThrownBy(() -> HttpSeam.enter(request))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("the body of a priced CHAT_COMPLETIONS request cannot be read without consuming it");

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();
    assertThat(HttpSeam.enter(request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  /**
   * openai-java's HTTP layer in the shape the agent knows, whose chat request carries a body that
   * is not repeatable (reading it would consume what the SDK sends).
   */
  private static Object newRequestWithUnrepeatableBody() throws Exception {
    String p = "com.openai.core.http.";
    DynamicType.Unloaded<?> bodyType = new ByteBuddy().makeInterface().name(p + "HttpRequestBody")
        .defineMethod("repeatable", boolean.class, Visibility.PUBLIC).withoutCode()
        .defineMethod("writeTo", void.class, Visibility.PUBLIC).withParameters(OutputStream.class).withoutCode()
        .defineMethod("contentType", String.class, Visibility.PUBLIC).withoutCode()
        .defineMethod("close", void.class, Visibility.PUBLIC).withoutCode()
        .make();
    DynamicType.Unloaded<?> streamBody = new ByteBuddy().subclass(Object.class)
        .implement(bodyType.getTypeDescription()).name(p + "StreamBody")
        .method(named("repeatable")).intercept(FixedValue.value(false))
        .method(named("writeTo").or(named("close"))).intercept(StubMethod.INSTANCE)
        .method(named("contentType")).intercept(FixedValue.value("application/json"))
        .make();
    DynamicType.Unloaded<?> responseType = new ByteBuddy().makeInterface().name(p + "HttpResponse")
        .defineMethod("statusCode", int.class, Visibility.PUBLIC).withoutCode()
        .defineMethod("body", InputStream.class, Visibility.PUBLIC).withoutCode()
        .defineMethod("close", void.class, Visibility.PUBLIC).withoutCode()
        .make();
    DynamicType.Unloaded<?> builderType = new ByteBuddy().subclass(Object.class).name(p + "HttpRequest$Builder")
        .defineMethod("body", TargetType.class, Visibility.PUBLIC).withParameters(bodyType.getTypeDescription())
        .intercept(FixedValue.self())
        .defineMethod("build", Object.class, Visibility.PUBLIC).intercept(FixedValue.nullValue())
        .make();
    return new ByteBuddy().subclass(Object.class).name(p + "HttpRequest")
        .defineMethod("method", String.class, Visibility.PUBLIC).intercept(FixedValue.value("POST"))
        .defineMethod("pathSegments", List.class, Visibility.PUBLIC)
        .intercept(FixedValue.reference(List.of("v1", "chat", "completions")))
        .defineMethod("body", Object.class, Visibility.PUBLIC)
        .intercept(MethodCall.construct(constructor(streamBody)))
        .defineMethod("toBuilder", Object.class, Visibility.PUBLIC)
        .intercept(MethodCall.construct(constructor(builderType)))
        .make()
        .include(bodyType, streamBody, responseType, builderType)
        .load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
  }

  private static MethodDescription constructor(DynamicType.Unloaded<?> type) {
    return type.getTypeDescription().getDeclaredMethods().filter(isConstructor()).getOnly();
  }

  /**
   * A {@code com.openai.core.http.HttpRequest} with {@code method()} and {@code pathSegments()} but
   * no {@code body()}, beside an {@code HttpRequestBody} and an {@code HttpResponse}, in a class
   * loader of their own (the real openai-java is on the test class path too).
   */
  private static Object newRequestWithoutBody(String method, List<String> path) throws Exception {
    return new ByteBuddy().subclass(Object.class).name("com.openai.core.http.HttpRequest")
        .defineMethod("method", String.class, Visibility.PUBLIC).intercept(FixedValue.value(method))
        .defineMethod("pathSegments", List.class, Visibility.PUBLIC).intercept(FixedValue.reference(path))
        .make()
        .include(new ByteBuddy().makeInterface().name("com.openai.core.http.HttpRequestBody").make(),
            new ByteBuddy().makeInterface().name("com.openai.core.http.HttpResponse").make())
        .load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
  }
}
