package dev.llmbudget.agent.instrumentation.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.util.List;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A chat request the agent cannot read because LangChain4j changed its shape must meet the failure
 * policy; a custom chat model that simply names no model still passes, as before.
 */
class UnknownLangChain4jShapeTest {

  private final Object chatModel = new Object();

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void aChatRequestWithoutMessagesOrParametersIsRefusedUnderBlockAndCountedUnderAllow() {
    Object request = new Object();
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    assertThatThrownBy(() -> ChatSeam.enter(chatModel, request))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("java.lang.Object has no messages()/parameters()");

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();
    assertThat(ChatSeam.enter(chatModel, request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  @Test
  void aRequestInTheKnownShapeNamingNoModelStillPassesUncounted() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object request = new ByteBuddy().subclass(Object.class).name("dev.example.ChatRequest")
        .defineMethod("messages", List.class, Visibility.PUBLIC).intercept(FixedValue.reference(List.of()))
        .defineMethod("parameters", Object.class, Visibility.PUBLIC).intercept(FixedValue.nullValue())
        .make().load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
    long unmetered = CallCounters.unmeteredCount();

    assertThat(ChatSeam.enter(chatModel, request)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered);
  }

  /**
   * A stream whose handler the agent cannot follow (a LangChain4j without the handler type it
   * knows) would go out uncharged: before anything is sent, the failure policy decides.
   */
  @Test
  void aStreamWhoseHandlerCannotBeFollowedIsRefusedUnderBlockAndCountedUnderAllow() throws Exception {
    Object params = new ByteBuddy().subclass(Object.class).name("dev.example.ChatRequestParameters")
        .defineMethod("modelName", String.class, Visibility.PUBLIC).intercept(FixedValue.value("gpt-4o"))
        .defineMethod("maxOutputTokens", Integer.class, Visibility.PUBLIC).intercept(FixedValue.value(100))
        .make().load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
    Object request = new ByteBuddy().subclass(Object.class).name("dev.example.ChatRequest")
        .defineMethod("messages", List.class, Visibility.PUBLIC).intercept(FixedValue.reference(List.of()))
        .defineMethod("parameters", Object.class, Visibility.PUBLIC).intercept(FixedValue.reference(params))
        .make().load(params.getClass().getClassLoader(), ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
    Object handler = new Object(); // no StreamingChatResponseHandler anywhere

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object[] args = {request, handler};
    Object state = ChatSeam.enterStream(chatModel, args);
    assertThat(state).isInstanceOf(MeteredChat.class);
    assertThat(ChatSeam.streamArguments(state, args)).isSameAs(args);
    Object refused = ChatSeam.streamState(state);
    assertThat(refused).isInstanceOf(StreamRefusal.class);
    assertThat(((StreamRefusal) refused).error).isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("StreamingChatResponseHandler").hasMessageContaining("refused");
    assertThat(dev.llmbudget.GlobalBudget.snapshot().reserved()).as("released: nothing went out").isZero();

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();
    Object allowed = ChatSeam.enterStream(chatModel, args);
    ChatSeam.streamArguments(allowed, args);
    assertThat(ChatSeam.streamState(allowed)).isSameAs(allowed);
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
    ChatSeam.exitStream(allowed, args, null);
  }
}
