package dev.llmbudget.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark once, briefly and in this JVM, so a change to core that breaks one fails
 * the build instead of the next measuring session. It proves they run and score; it measures
 * nothing (figures come from run.sh).
 */
class BenchmarksSmokeTest {

  /**
   * In-process runs cannot attach an agent, so of the agent-overhead pair only the baseline is
   * here; {@code AgentOverheadWithAgentBenchmark} differs from it by its fork's options alone.
   */
  static Stream<Class<?>> benchmarkClasses() {
    return Stream.of(StoreThroughputBenchmark.class, EngineReserveCommitBenchmark.class,
        TokenCountingBenchmark.class, AgentOverheadNoAgentBenchmark.class, PostgresStoreBenchmark.class);
  }

  @ParameterizedTest
  @MethodSource("benchmarkClasses")
  void everyBenchmarkRunsWithEveryParameterAndScores(Class<?> benchmarkClass) throws RunnerException {
    Options options = new OptionsBuilder()
        .include("^" + benchmarkClass.getName().replace(".", "\\.") + "\\.")
        .forks(0)
        .warmupIterations(0)
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .shouldFailOnError(true)
        .verbosity(VerboseMode.SILENT)
        .build();

    Collection<RunResult> results = new Runner(options).run();

    for (RunResult result : results) {
      System.out.printf("%s %s: %.3f %s%n", result.getParams().getBenchmark(),
          result.getParams().getParamsKeys().stream()
              .map(k -> k + "=" + result.getParams().getParam(k)).collect(Collectors.toList()),
          result.getPrimaryResult().getScore(), result.getPrimaryResult().getScoreUnit());
      assertThat(result.getPrimaryResult().getScore())
          .as("score of %s %s", result.getParams().getBenchmark(), result.getParams())
          .isPositive();
    }
    Set<String> ran = results.stream().map(r -> r.getParams().getBenchmark()).collect(Collectors.toSet());
    List<String> declared = Arrays.stream(benchmarkClass.getMethods())
        .filter(m -> m.isAnnotationPresent(Benchmark.class))
        .map(Method::getName)
        .map(name -> benchmarkClass.getName() + "." + name)
        .collect(Collectors.toList());
    assertThat(ran).containsExactlyInAnyOrderElementsOf(declared);
    assertThat(results).hasSize(declared.size() * parameterCombinations(benchmarkClass));
  }

  private static int parameterCombinations(Class<?> benchmarkClass) {
    return Arrays.stream(benchmarkClass.getFields())
        .map(f -> f.getAnnotation(org.openjdk.jmh.annotations.Param.class))
        .filter(p -> p != null)
        .mapToInt(p -> p.value().length)
        .reduce(1, (a, b) -> a * b);
  }
}
