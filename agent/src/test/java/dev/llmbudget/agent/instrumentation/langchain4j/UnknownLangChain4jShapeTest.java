package dev.llmbudget.agent.instrumentation.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.agent.instrumentation.FakeShapes;
import dev.llmbudget.agent.instrumentation.FakeShapes.Ledger;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A chat request the agent cannot read because LangChain4j changed its shape must meet the failure
 * policy; a custom chat model that simply names no model still passes, as before. An answer the
 * agent cannot read, once the call went out, is charged what the call reserved and counted.
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
    FakeShapes.configure("block");
    Object request = FakeShapes.shape("dev.example.ChatRequest").returning("messages", List.of())
        .returning("parameters", null).build();
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
    Object request = chatRequest();
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

  /** Before: a ChatResponse without tokenUsage() or aiMessage() was charged its prompt alone, uncounted. */
  @Test
  void anAnswerOfAnUnknownShapeIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = ChatSeam.enter(chatModel, chatRequest());
    Ledger held = FakeShapes.ledger();

    ChatSeam.exit(state, FakeShapes.shape("dev.example.ChatResponse").build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: the reservation was released. */
  @Test
  void anAnswerWhoseTokenUsageGetterFailsIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = ChatSeam.enter(chatModel, chatRequest());
    Ledger held = FakeShapes.ledger();

    ChatSeam.exit(state, FakeShapes.shape("dev.example.ChatResponse")
        .throwing("tokenUsage", "a TokenUsage of another type").returning("aiMessage", null).build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** Before: a TokenUsage without inputTokenCount()/outputTokenCount() read as none, and the prompt alone was charged. */
  @Test
  void anAnswerWithATokenUsageOfAnotherTypeIsChargedWhatTheCallReservedAndCounted() {
    FakeShapes.configure("block");
    Object state = ChatSeam.enter(chatModel, chatRequest());
    Ledger held = FakeShapes.ledger();
    Object usage = FakeShapes.shape("dev.example.OtherUsage").returning("promptTokens", 12).build();

    ChatSeam.exit(state, FakeShapes.shape("dev.example.ChatResponse").returning("tokenUsage", usage)
        .returning("aiMessage", null).build(), null);

    held.assertChargedWhatWasReservedAndCounted();
  }

  /** A call that failed before an answer came is still released. */
  @Test
  void aFailedCallIsReleasedUncounted() {
    FakeShapes.configure("block");
    Object state = ChatSeam.enter(chatModel, chatRequest());
    Ledger held = FakeShapes.ledger();

    ChatSeam.exit(state, null, new java.io.IOException("connection reset"));

    held.assertReleasedUncounted();
  }

  /**
   * A stream whose partial responses the agent cannot read, completed without usage: before, the
   * text it could not read was lost and the stream charged its prompt alone, uncounted. Every
   * callback still reaches the caller's handler unchanged.
   */
  @Test
  void aStreamWithAPartialTheAgentCannotReadIsChargedWhatItReservedAndCounted() throws Exception {
    FakeShapes.configure("block");
    List<Object> heard = new ArrayList<>();
    Object[] args = {chatRequest(), recordingHandler(heard)};
    Object state = ChatSeam.enterStream(chatModel, args);
    Object[] sent = ChatSeam.streamArguments(state, args);
    assertThat(ChatSeam.streamState(state)).isSameAs(state);
    ChatSeam.exitStream(state, sent, null);
    Ledger held = FakeShapes.ledger();
    Object part = FakeShapes.shape("dev.example.PartialResponse").build(); // no text()
    Object response = FakeShapes.shape("dev.example.ChatResponse").returning("tokenUsage", null)
        .returning("aiMessage", null).build();

    callback(sent[1], "onPartialResponse", part);
    callback(sent[1], "onCompleteResponse", response);

    assertThat(heard).containsExactly(part, response);
    held.assertChargedWhatWasReservedAndCounted();
  }

  /** The same stream failing after the unreadable partial: it was answered in part, so it pays its reservation. */
  @Test
  void aStreamFailingAfterAPartialTheAgentCannotReadIsChargedWhatItReservedAndCounted() throws Exception {
    FakeShapes.configure("block");
    List<Object> heard = new ArrayList<>();
    Object[] args = {chatRequest(), recordingHandler(heard)};
    Object state = ChatSeam.enterStream(chatModel, args);
    Object[] sent = ChatSeam.streamArguments(state, args);
    ChatSeam.exitStream(ChatSeam.streamState(state), sent, null);
    Ledger held = FakeShapes.ledger();
    Object part = FakeShapes.shape("dev.example.PartialResponse").throwing("text", "a text of another type").build();
    RuntimeException failure = new RuntimeException("stream reset");

    callback(sent[1], "onPartialResponse", part);
    callback(sent[1], "onError", failure);

    assertThat(heard).containsExactly(part, failure);
    held.assertChargedWhatWasReservedAndCounted();
  }

  /** A ChatRequest in the shape the agent reads, naming gpt-4o with a cap of 100 output tokens. */
  private static Object chatRequest() {
    Object params = FakeShapes.shape("dev.example.ChatRequestParameters").returning("modelName", "gpt-4o")
        .returning("maxOutputTokens", 100).build();
    return FakeShapes.shape("dev.example.ChatRequest").returning("messages", List.of())
        .returning("parameters", params).build();
  }

  /**
   * A handler implementing an interface named as LangChain4j's StreamingChatResponseHandler
   * (defined here: the agent's tests do not have LangChain4j), recording what each callback receives.
   */
  private static Object recordingHandler(List<Object> heard) throws Exception {
    Class<?> type = new ByteBuddy().makeInterface().name(LangChain4jInstrumentation.HANDLER)
        .defineMethod("onPartialResponse", void.class, Visibility.PUBLIC).withParameters(Object.class).withoutCode()
        .defineMethod("onCompleteResponse", void.class, Visibility.PUBLIC).withParameters(Object.class).withoutCode()
        .defineMethod("onError", void.class, Visibility.PUBLIC).withParameters(Throwable.class).withoutCode()
        .make().load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded();
    return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, a) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.getName().equals("equals") ? proxy == a[0]
            : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "recording handler";
      }
      heard.add(a[0]);
      return null;
    });
  }

  private static void callback(Object handler, String name, Object arg) throws Exception {
    for (Class<?> i : handler.getClass().getInterfaces()) {
      for (Method m : i.getMethods()) {
        if (m.getName().equals(name)) {
          m.invoke(handler, arg);
          return;
        }
      }
    }
    throw new AssertionError("no " + name + " on " + handler);
  }
}
