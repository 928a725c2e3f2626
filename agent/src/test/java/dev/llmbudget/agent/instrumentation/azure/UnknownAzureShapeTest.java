package dev.llmbudget.agent.instrumentation.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.BudgetUnavailableError;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.internal.CallCounters;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Ownership;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.FixedValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Azure OpenAI request bodies the agent cannot read before they go out: an azure-core whose {@code
 * BinaryData} lacks what the agent calls, and a body that reading would consume. Each must be
 * refused or counted as {@code llmbudget.on_error} says, never let through unseen.
 */
class UnknownAzureShapeTest {

  private static final byte[] CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
      .getBytes(StandardCharsets.UTF_8);

  @AfterEach
  void defaultConfiguration() {
    BudgetRuntime.configure(Map.of());
  }

  @Test
  void anAzureCoreInAnUnknownShapeIsRefusedUnderBlockNamingWhatIsMissing() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    Object body = binaryData(false, true);

    assertThatThrownBy(() -> AzureSeam.enter("gpt-4o", body))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("azure-core as com.azure.core.util.BinaryData sees it does not have the shape")
        .hasMessageContaining("NoSuchMethodException: com.azure.core.util.BinaryData.toStream()")
        .hasMessageEndingWith("the call is refused (llmbudget.on_error=block)");
    assertThatThrownBy(() -> AzureSeam.enter("gpt-4o", body)).isInstanceOf(BudgetUnavailableError.class);
  }

  @Test
  void anAzureCoreInAnUnknownShapeGoesOnCountedUnderAllow() throws Exception {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    Object body = binaryData(false, true);
    long unmetered = CallCounters.unmeteredCount();

    assertThat(AzureSeam.enter("gpt-4o", body)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  @Test
  void aBodyThatCannotBeReadTwiceIsRefusedUnderBlockAndCountedUnderAllow() throws Exception {
    Object body = binaryData(true, false);
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    assertThatThrownBy(() -> AzureSeam.enter("gpt-4o", body))
        .isInstanceOf(BudgetUnavailableError.class)
        .hasMessageContaining("a BinaryData that cannot be read twice");

    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "allow"));
    long unmetered = CallCounters.unmeteredCount();
    assertThat(AzureSeam.enter("gpt-4o", body)).isNull();
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  /** The call went out and was answered: an answer the agent cannot read costs what was reserved, counted. */
  @Test
  void anAnswerTheAgentCannotReadIsChargedWhatTheCallReservedAndCounted() {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1", "llmbudget.on_error", "block"));
    dev.llmbudget.agent.instrumentation.meter.MeteredCall call = dev.llmbudget.agent.instrumentation.meter.MeteredCall
        .reserve(null, new dev.llmbudget.agent.instrumentation.meter.LlmRequest("gpt-4o", "hi", 1, 100));
    dev.llmbudget.store.BudgetSnapshot before = dev.llmbudget.GlobalBudget.snapshot();
    long unmetered = CallCounters.unmeteredCount();
    Object answer = new Object(); // no azure-core Response

    assertThat(AzureSeam.exit(call, answer, null)).isSameAs(answer);
    dev.llmbudget.store.BudgetSnapshot after = dev.llmbudget.GlobalBudget.snapshot();
    java.math.BigDecimal freed = before.reserved().subtract(after.reserved());
    assertThat(freed).as("the call's reservation is settled").isPositive();
    assertThat(after.currentCost().subtract(before.currentCost())).as("and charged, not released").isEqualByComparingTo(freed);
    assertThat(CallCounters.unmeteredCount()).isEqualTo(unmetered + 1);
  }

  /**
   * A {@code com.azure.core.util.BinaryData} holding a chat request, beside a {@code Response}, in a
   * class loader of their own; {@code complete}: with every method the agent calls, else only
   * {@code toBytes()}.
   */
  private static Object binaryData(boolean complete, boolean replayable) throws Exception {
    DynamicType.Builder<Object> data = new ByteBuddy().subclass(Object.class).name("com.azure.core.util.BinaryData")
        .defineMethod("toBytes", byte[].class, Visibility.PUBLIC).intercept(FixedValue.reference(CHAT));
    if (complete) {
      data = data
          .defineMethod("toStream", InputStream.class, Visibility.PUBLIC).intercept(FixedValue.nullValue())
          .defineMethod("isReplayable", boolean.class, Visibility.PUBLIC).intercept(FixedValue.value(replayable))
          .defineMethod("fromStream", Object.class, Visibility.PUBLIC, Ownership.STATIC)
          .withParameters(InputStream.class).intercept(FixedValue.nullValue())
          .defineMethod("fromBytes", Object.class, Visibility.PUBLIC, Ownership.STATIC)
          .withParameters(byte[].class).intercept(FixedValue.nullValue());
    }
    DynamicType.Unloaded<Object> response = new ByteBuddy().subclass(Object.class)
        .name("com.azure.core.http.rest.Response")
        .defineMethod("getStatusCode", int.class, Visibility.PUBLIC).intercept(FixedValue.value(200))
        .defineMethod("getValue", Object.class, Visibility.PUBLIC).intercept(FixedValue.nullValue())
        .make();
    return data.make().include(response)
        .load(new ClassLoader(null) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
        .getConstructor().newInstance();
  }
}
