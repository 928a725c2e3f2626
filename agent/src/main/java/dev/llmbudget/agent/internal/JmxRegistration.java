package dev.llmbudget.agent.internal;

import dev.llmbudget.internal.BudgetMBean;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registers the budget's JMX bean when the JVM starts its JMX agent or an MBean server (jconsole
 * attaching, {@code -Dcom.sun.management.jmxremote}, a JMX exporter, the application itself), not
 * at start-up: creating the platform MBean server loads some 200 classes and costs tens of
 * milliseconds of CPU, which an application that nobody watches over JMX should not pay. A seam
 * that weaves nothing: the class load is the signal.
 */
final class JmxRegistration implements Seam {

  /** Loaded by whoever creates an MBean server, the platform one included. */
  static final String MBEAN_SERVER_FACTORY = "javax/management/MBeanServerFactory";
  /** The JDK's management agent: loaded when a JMX connector is started (attach, jcmd, jmxremote). */
  static final String MANAGEMENT_AGENT = "jdk/internal/agent/Agent";

  static final JmxRegistration INSTANCE = new JmxRegistration();

  private final AtomicBoolean scheduled = new AtomicBoolean();

  private JmxRegistration() {}

  /** True for the classes whose loading means an MBean server is, or is about to be, there. */
  boolean signals(Class<?> type) {
    String name = type.getName();
    return name.equals("javax.management.MBeanServerFactory") || name.equals("jdk.internal.agent.Agent");
  }

  @Override
  public Collection<String> internalNames() {
    return List.of(MBEAN_SERVER_FACTORY, MANAGEMENT_AGENT);
  }

  @Override
  public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
    registerSoon();
    return null;
  }

  /**
   * On a thread of its own: the class load that signalled must finish first, and the platform MBean
   * server it leads to is created once, under a lock that this thread then waits for.
   */
  void registerSoon() {
    if (scheduled.compareAndSet(false, true)) {
      Thread t = new Thread(BudgetMBean::register, "llm-budget-jmx");
      t.setDaemon(true);
      t.start();
    }
  }
}
