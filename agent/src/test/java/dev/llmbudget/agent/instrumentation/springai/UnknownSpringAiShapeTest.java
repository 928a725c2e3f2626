package dev.llmbudget.agent.instrumentation.springai;

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
 * A prompt the agent cannot read because Spring AI changed its shape must meet the failure policy;
 * a custom chat model that simply names no model still passes, as before.
 */
class UnknownSpringAiShapeTest {

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void aPromptWithoutInstructionsOrOptionsIsRefusedUnderBlockAndCountedUnderAllow() {
    Object model = new Object();
    Object prompt = new Object();
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    assertThatThrownBy(() -> SpringAiSeam.enterCall(model, prompt))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("lacks getInstructions()/getOptions()/getDefaultOptions()");
    assertThat(SpringAiSeam.enterStream(model, prompt)).isInstanceOf(StreamRefusal.class);

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();
    assertThat(SpringAiSeam.enterCall(model, prompt)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  @Test
  void aPromptInTheKnownShapeNamingNoModelStillPassesUncounted() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object prompt = fake("dev.example.Prompt", "getInstructions", "getOptions");
    Object model = fake("dev.example.ChatModel", "getDefaultOptions", "getDefaultOptions");
    long unmetered = CallCounters.unmeteredCount();

    assertThat(SpringAiSeam.enterCall(model, prompt)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered);
  }

  /** An object whose getters {@code list} (an empty list) and {@code nothing} (null) exist. */
  private static Object fake(String name, String list, String nothing) throws Exception {
    var type = new ByteBuddy().subclass(Object.class).name(name)
        .defineMethod(list, List.class, Visibility.PUBLIC).intercept(FixedValue.reference(List.of()));
    if (!nothing.equals(list)) {
      type = type.defineMethod(nothing, Object.class, Visibility.PUBLIC).intercept(FixedValue.nullValue());
    }
    return type.make().load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
  }
}
