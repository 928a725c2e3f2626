package dev.llmbudget.isolated.redis;

import dev.llmbudget.BudgetConfig;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.OfflineAllowanceStore;
import dev.llmbudget.store.Picodollars;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

/** Builds the Jedis client; apart from {@link RedisStoreProvider} so that a missing Jedis fails only here. */
final class RedisConnect {

  private RedisConnect() {}

  static BudgetStore open(String project, String apiBase, BudgetConfig config) {
    int timeout = (int) Math.min(Integer.MAX_VALUE, config.redisTimeout().toMillis());
    String url = apiBase != null && !apiBase.isBlank() ? apiBase.trim() : config.redisUrl();
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    // one connection per thread in flight; the JMX registration would name our relocated classes to the host
    pool.setMaxTotal(64);
    pool.setMaxIdle(64);
    pool.setJmxEnabled(false);
    UnifiedJedis redis;
    String shown;
    if (config.redisCluster() != null && (apiBase == null || apiBase.isBlank())) {
      Set<HostAndPort> nodes = new LinkedHashSet<>();
      for (String n : config.redisCluster().split(",")) {
        nodes.add(HostAndPort.from(n.trim()));
      }
      DefaultJedisClientConfig.Builder client = DefaultJedisClientConfig.builder()
          .connectionTimeoutMillis(timeout).socketTimeoutMillis(timeout);
      if (url != null) {
        URI u = URI.create(url);
        client.ssl("rediss".equalsIgnoreCase(u.getScheme()));
        String info = u.getUserInfo();
        if (info != null) {
          int colon = info.indexOf(':');
          if (colon < 0) {
            client.password(info);
          } else {
            if (colon > 0) {
              client.user(info.substring(0, colon));
            }
            client.password(info.substring(colon + 1));
          }
        }
      }
      redis = new JedisCluster(nodes, client.build(), 5, pool);
      shown = "cluster " + config.redisCluster();
    } else {
      if (url == null) {
        throw new IllegalArgumentException("client type 'redis' needs a URL like redis://host:6379/0 "
            + "(BudgetManager's third argument, or llmbudget.redis.url)");
      }
      URI u = URI.create(url);
      if (!"redis".equalsIgnoreCase(u.getScheme()) && !"rediss".equalsIgnoreCase(u.getScheme())) {
        throw new IllegalArgumentException("'" + BudgetConfig.withoutPassword(url)
            + "' is not a redis:// or rediss:// URL");
      }
      redis = new JedisPooled(pool, u, timeout);
      shown = BudgetConfig.withoutPassword(url);
    }
    return new OfflineAllowanceStore(new RedisStore(redis, shown, project, config.zone()),
        Picodollars.of(config.offlineAllowance()));
  }
}
