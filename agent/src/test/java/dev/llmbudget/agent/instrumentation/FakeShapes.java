package dev.llmbudget.agent.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.GlobalBudget;
import dev.llmbudget.internal.BudgetRuntime;
import dev.llmbudget.store.BudgetSnapshot;
import java.math.BigDecimal;
import java.util.Map;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.loading.ClassLoadingStrategy;
import net.bytebuddy.implementation.ExceptionMethod;
import net.bytebuddy.implementation.FixedValue;
import net.bytebuddy.implementation.InvocationHandlerAdapter;

/**
 * What the Unknown*ShapeTest classes share: SDK objects of a shape the agent may not know (public
 * getters that return a value or throw, in a class loader of their own, as an SDK's would be), a
 * runtime on the memory store, and the global budget read before and after a call settles.
 */
public final class FakeShapes {

  private FakeShapes() {}

  /**
   * The runtime with a $1 global budget on the memory store (the default local store would write
   * user_cost.json in the module directory) and {@code llmbudget.on_error=onError}.
   */
  public static void configure(String onError) {
    BudgetRuntime.configure(Map.of("llmbudget.store", "memory", "llmbudget.max_budget", "1",
        "llmbudget.on_error", onError));
  }

  /** An object of a new class {@code className}, with the getters it is then given. */
  public static Shape shape(String className) {
    return new Shape(className);
  }

  /** The global budget now (a call reserved), to compare with after the call settles. */
  public static Ledger ledger() {
    return new Ledger(GlobalBudget.snapshot(), GlobalBudget.unmeteredCalls());
  }

  /** A class being defined: public no-argument getters, each returning a fixed value or throwing. */
  public static final class Shape {
    private DynamicType.Builder<Object> type;
    private ClassLoader parent;

    private Shape(String className) {
      this.type = new ByteBuddy().subclass(Object.class).name(className);
    }

    /** {@code name()} returns {@code value} (declared as returning Object); {@code null} returns null. */
    public Shape returning(String name, Object value) {
      // a handler, not FixedValue.reference: that types its field as the value's class, which the
      // SDK-like loader (below the bootstrap loader only) could not see
      type = type.defineMethod(name, Object.class, Visibility.PUBLIC)
          .intercept(value == null ? FixedValue.nullValue() : InvocationHandlerAdapter.of((p, m, a) -> value));
      return this;
    }

    /** {@code name()} throws an IllegalStateException saying {@code message}. */
    public Shape throwing(String name, String message) {
      type = type.defineMethod(name, Object.class, Visibility.PUBLIC)
          .intercept(ExceptionMethod.throwing(IllegalStateException.class, message));
      return this;
    }

    /** Defines the class in a loader whose parent is {@code loader} (default: the bootstrap loader only). */
    public Shape loadedBelow(ClassLoader loader) {
      this.parent = loader;
      return this;
    }

    /** A new instance of the class, defined in a class loader of its own. */
    public Object build() {
      try {
        return type.make().load(new ClassLoader(parent) {}, ClassLoadingStrategy.Default.WRAPPER).getLoaded()
            .getConstructor().newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** The global budget's reserved amount, spend and unmetered count at one moment. */
  public static final class Ledger {
    private final BudgetSnapshot before;
    private final long unmeteredBefore;

    private Ledger(BudgetSnapshot before, long unmeteredBefore) {
      this.before = before;
      this.unmeteredBefore = unmeteredBefore;
    }

    /** What the user sees of an answer the agent could not read: its reservation charged, one more unmetered call. */
    public void assertChargedWhatWasReservedAndCounted() {
      BudgetSnapshot after = GlobalBudget.snapshot();
      BigDecimal freed = before.reserved().subtract(after.reserved());
      assertThat(freed).as("the call's reservation is settled").isPositive();
      assertThat(after.currentCost().subtract(before.currentCost()))
          .as("the call is charged what it reserved, not released").isEqualByComparingTo(freed);
      assertThat(GlobalBudget.unmeteredCalls()).as("and counted as unmetered").isEqualTo(unmeteredBefore + 1);
    }

    /** A call that failed before an answer came: its reservation freed, nothing charged, nothing counted. */
    public void assertReleasedUncounted() {
      BudgetSnapshot after = GlobalBudget.snapshot();
      assertThat(before.reserved().subtract(after.reserved())).as("the call's reservation is freed").isPositive();
      assertThat(after.currentCost()).as("nothing charged").isEqualByComparingTo(before.currentCost());
      assertThat(GlobalBudget.unmeteredCalls()).as("nothing counted").isEqualTo(unmeteredBefore);
    }

    /** A call charged less than it reserved (its usage or an estimate), not counted as unmetered. */
    public void assertChargedBelowReservedUncounted() {
      BudgetSnapshot after = GlobalBudget.snapshot();
      BigDecimal charged = after.currentCost().subtract(before.currentCost());
      BigDecimal freed = before.reserved().subtract(after.reserved());
      assertThat(freed).as("the call's reservation is settled").isPositive();
      assertThat(charged).as("charged its usage, less than it reserved").isPositive().isLessThan(freed);
      assertThat(GlobalBudget.unmeteredCalls()).as("nothing counted").isEqualTo(unmeteredBefore);
    }
  }
}
