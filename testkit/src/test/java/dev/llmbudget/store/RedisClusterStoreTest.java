package dev.llmbudget.store;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.isolated.redis.RedisStoreProvider;
import dev.llmbudget.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The {@link BudgetStore} contract on a Redis Cluster of three masters (real redis-server processes,
 * the 16384 slots split between them), reached through {@code llmbudget.redis.cluster}. Each test's
 * project is another hash tag, so the tests spread over the three masters.
 */
class RedisClusterStoreTest extends BudgetStoreContract {

  @Override
  boolean claimsAlertsOnce() {
    return true;
  }

  static final List<RedisServer> NODES = new ArrayList<>();
  static String seeds;
  static final AtomicInteger PROJECTS = new AtomicInteger();

  @BeforeAll
  static void startCluster() throws Exception {
    for (int i = 0; i < 3; i++) {
      NODES.add(RedisServer.start(List.of("--cluster-enabled", "yes", "--cluster-node-timeout", "5000")));
    }
    int[] bounds = {0, 5461, 10923, 16384};
    for (int i = 0; i < 3; i++) {
      String slots = IntStream.range(bounds[i], bounds[i + 1]).mapToObj(Integer::toString).collect(Collectors.joining(" "));
      NODES.get(i).command("CLUSTER ADDSLOTS " + slots);
    }
    for (int i = 1; i < 3; i++) {
      NODES.get(0).command("CLUSTER MEET 127.0.0.1 " + NODES.get(i).port());
    }
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      boolean ok = true;
      for (RedisServer n : NODES) {
        String info = n.command("CLUSTER INFO");
        ok &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3");
      }
      if (ok) {
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the 3-node cluster did not form: " + NODES.get(0).command("CLUSTER INFO"));
      }
      Thread.sleep(100);
    }
    seeds = NODES.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (RedisServer n : NODES) {
      n.close();
    }
  }

  @Override
  BudgetStore openStore() {
    return new RedisStoreProvider().open("cluster-" + ProcessHandle.current().pid() + "-" + PROJECTS.incrementAndGet(),
        null, BudgetConfig.of(Map.of("llmbudget.store", "redis", "llmbudget.redis.cluster", seeds)));
  }
}
