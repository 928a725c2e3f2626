package dev.llmbudget.internal;

import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/** The {@link BudgetMXBean} on the platform MBean server; every read asks the store, so it is never stale. */
public final class BudgetMBean implements BudgetMXBean {

  /** {@code dev.llmbudget:type=Budget,name=global}. */
  public static final String NAME = "dev.llmbudget:type=Budget,name=global";

  /** The one instance: JMX and the Prometheus text read the same numbers. */
  static final BudgetMBean INSTANCE = new BudgetMBean();

  private BudgetMBean() {}

  /**
   * Registers the bean once per JVM; a second registration (the agent attached twice) is a no-op.
   * The agent calls this off the start-up thread: the platform MBean server is not free to create.
   */
  public static void register() {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      server.registerMBean(INSTANCE, new ObjectName(NAME));
    } catch (InstanceAlreadyExistsException e) {
      // already there
    } catch (Exception | LinkageError e) {
      Log.warn("llm-budget: could not register " + NAME + " with JMX: " + e, e);
    }
  }

  private static Optional<BudgetSnapshot> global() {
    BudgetEngine engine = BudgetRuntime.get().engine();
    return engine.store().snapshot(BudgetStore.GLOBAL_KEY, engine.now());
  }

  @Override
  public BigDecimal getCurrentCost() {
    return global().map(BudgetSnapshot::currentCost).orElse(BigDecimal.ZERO);
  }

  @Override
  public BigDecimal getMaxBudget() {
    return global().map(BudgetSnapshot::totalBudget).orElse(null);
  }

  @Override
  public BigDecimal getReserved() {
    return global().map(BudgetSnapshot::reserved).orElse(BigDecimal.ZERO);
  }

  @Override
  public BigDecimal getRemaining() {
    Optional<BudgetSnapshot> g = global();
    if (g.isEmpty() || g.get().totalBudget() == null) {
      return null;
    }
    BudgetSnapshot s = g.get();
    return s.totalBudget().subtract(s.currentCost()).subtract(s.reserved()).max(BigDecimal.ZERO);
  }

  @Override
  public Map<String, BigDecimal> getCostByModel() {
    return global().map(BudgetSnapshot::modelCost).orElse(Map.of());
  }

  @Override
  public long getCallsMetered() {
    return CallCounters.meteredCount();
  }

  @Override
  public long getCallsBlocked() {
    return CallCounters.blockedCount();
  }

  @Override
  public long getCallsUnmetered() {
    return CallCounters.unmeteredCount();
  }

  @Override
  public long getClassesNotInstrumented() {
    return CallCounters.notInstrumentedCount();
  }

  @Override
  public int getChargesPending() {
    return dev.llmbudget.store.PendingCharges.size();
  }

  @Override
  public long getChargesLost() {
    return dev.llmbudget.store.PendingCharges.lostCount();
  }

  @Override
  public long getCallsEstimated() {
    return CallCounters.estimatedCount();
  }
}
