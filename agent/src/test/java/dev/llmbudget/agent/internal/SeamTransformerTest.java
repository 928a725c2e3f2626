package dev.llmbudget.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.openai.OpenAiInstrumentation;
import dev.llmbudget.internal.BudgetMBean;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import javax.management.ObjectName;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.implementation.FixedValue;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A seam class the agent cannot weave is a call path it can neither meter nor refuse: the operator
 * must see it on the JMX bean ({@code ClassesNotInstrumented}), not only in a log line.
 */
class SeamTransformerTest {

  @BeforeAll
  static void registerTheBean() {
    BudgetMBean.register();
  }

  @Test
  void aSeamWhoseWeaveFailsIsCountedOnTheJmxBean() throws Exception {
    Seam broken = new Seam() {
      @Override
      public Collection<String> internalNames() {
        return List.of("com/example/llm/Client");
      }

      @Override
      public byte[] weave(String typeName, ClassLoader loader, byte[] classFile) {
        throw new IllegalStateException("no method to weave");
      }
    };
    long before = notInstrumented();

    byte[] out = new SeamTransformer(List.of(broken)).transform(null, getClass().getClassLoader(),
        "com/example/llm/Client", null, null, new byte[] {1, 2, 3});

    assertThat(out).isNull(); // the class loads as it was: the host is not broken
    assertThat(notInstrumented()).isEqualTo(before + 1);
  }

  @Test
  void aRetryingHttpClientWhoseExecuteWasRenamedIsCountedNotSilentlyLeftAlone() throws Exception {
    SeamTransformer transformer = new SeamTransformer(List.of(OpenAiInstrumentation.SDK));
    long before = notInstrumented();

    byte[] renamed = retryingHttpClient("send", "sendAsync");
    assertThat(transformer.transform(null, getClass().getClassLoader(), "com/openai/core/http/RetryingHttpClient",
        null, null, renamed)).isNull();
    assertThat(notInstrumented()).isEqualTo(before + 1);

    // The shape the agent knows is woven and counts nothing.
    byte[] known = retryingHttpClient("execute", "executeAsync");
    assertThat(transformer.transform(null, getClass().getClassLoader(), "com/openai/core/http/RetryingHttpClient",
        null, null, known)).isNotNull();
    assertThat(notInstrumented()).isEqualTo(before + 1);
  }

  /** A class file named as openai-java's client, whose two-argument methods have the given names. */
  private static byte[] retryingHttpClient(String execute, String executeAsync) {
    return new ByteBuddy().subclass(Object.class).name("com.openai.core.http.RetryingHttpClient")
        .defineMethod(execute, Object.class, Visibility.PUBLIC).withParameters(Object.class, Object.class)
        .intercept(FixedValue.nullValue())
        .defineMethod(executeAsync, java.util.concurrent.CompletableFuture.class, Visibility.PUBLIC)
        .withParameters(Object.class, Object.class).intercept(FixedValue.nullValue())
        .make().getBytes();
  }

  private static long notInstrumented() throws Exception {
    return (Long) ManagementFactory.getPlatformMBeanServer()
        .getAttribute(new ObjectName(BudgetMBean.NAME), "ClassesNotInstrumented");
  }
}
