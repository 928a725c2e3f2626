package dev.llmbudget.isolated.redis;

import dev.llmbudget.BudgetDuration;
import dev.llmbudget.store.BudgetSnapshot;
import dev.llmbudget.store.BudgetStore;
import dev.llmbudget.store.BudgetStoreException;
import dev.llmbudget.store.Picodollars;
import dev.llmbudget.store.ReserveResult;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Budgets of one project in Redis, shared by every JVM that names the same server and project.
 * Reserve, settle and charge are one Lua script each (one round trip); rolling a period over is one
 * more, made only by the first call that finds it due. See docs/fleet.md for the key layout.
 */
final class RedisStore implements BudgetStore {

  /** Rolling a period over and retrying converges in one or two rounds; more means a bug. */
  private static final int MAX_ROUNDS = 8;

  private final UnifiedJedis redis;
  private final String shown;
  private final String project;
  private final String prefix;
  private final List<String> routing;
  private final ZoneId zone;
  /** Qualifies this store object's reservation ids, so JVMs never collide on Redis. */
  private final String instance;
  private final AtomicLong ids = new AtomicLong();
  /**
   * Keys known to have a budget on the server. Budgets are never deleted, so a known key needs no
   * round trip in putBudgetIfAbsent; a server that lost its data gets them back from
   * {@code OfflineAllowanceStore}, which re-creates this JVM's budgets when it reconnects.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> known = new java.util.concurrent.ConcurrentHashMap<>();

  RedisStore(UnifiedJedis redis, String shown, String project, ZoneId zone) {
    this.redis = redis;
    this.shown = shown;
    this.project = project;
    this.prefix = "llmbudget:{" + project + "}:";
    this.routing = List.of(prefix + "leases");
    this.zone = zone;
    byte[] r = new byte[8];
    new SecureRandom().nextBytes(r);
    this.instance = HexFormat.of().formatHex(r);
  }

  @Override
  public String describe() {
    return "redis store " + shown + " project '" + project + "'";
  }

  @Override
  public long newReservationId() {
    return ids.incrementAndGet();
  }

  private String rid(long id) {
    return instance + ":" + id;
  }

  @Override
  public ReserveResult reserve(long id, String[] keys, long amount, Instant now, Instant expiresAt) {
    if (amount < 0) {
      throw new IllegalArgumentException("a reservation cannot be negative, was " + amount + " picodollars");
    }
    long t = now.toEpochMilli();
    long expires = millis(expiresAt);
    long forget = expires == Long.MAX_VALUE ? Long.MAX_VALUE : Picodollars.saturatedAdd(expires, Math.max(0, expires - t));
    List<String> args = new ArrayList<>(6 + keys.length);
    Collections.addAll(args, prefix, Long.toString(t), rid(id), Long.toString(amount),
        Long.toString(expires), Long.toString(forget));
    for (String k : keys) {
      if (k != null) {
        args.add(k);
      }
    }
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<?> r = (List<?>) run(RedisScripts.RESERVE, args);
      String code = str(r.get(0));
      switch (code) {
        case "ok":
          return ReserveResult.OK;
        case "full":
          return ReserveResult.exhausted(str(r.get(1)), Long.parseLong(str(r.get(2))),
              Long.parseLong(str(r.get(3))), Long.parseLong(str(r.get(4))));
        case "reset":
          rollOver(str(r.get(1)), t);
          break;
        case "dup":
          throw new IllegalStateException("reservation id " + id + " is already in use");
        default:
          throw new BudgetStoreException(describe() + ": unexpected answer " + code);
      }
    }
    throw new BudgetStoreException(describe() + ": a budget period would not roll over");
  }

  @Override
  public boolean settle(long id, long actual, String model, Instant now) {
    if (actual < 0) {
      throw new IllegalArgumentException("a charge cannot be negative, was " + actual + " picodollars");
    }
    long t = now.toEpochMilli();
    List<String> args = List.of(prefix, Long.toString(t), rid(id), Long.toString(actual), model == null ? "" : model);
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<?> r = (List<?>) run(RedisScripts.SETTLE, args);
      String code = str(r.get(0));
      if (code.equals("ok")) {
        return true;
      }
      if (code.equals("none")) {
        return false;
      }
      rollOver(str(r.get(1)), t);
    }
    throw new BudgetStoreException(describe() + ": a budget period would not roll over");
  }

  @Override
  public void charge(String[] keys, long actual, String model, Instant now) {
    if (actual < 0) {
      throw new IllegalArgumentException("a charge cannot be negative, was " + actual + " picodollars");
    }
    if (actual == 0) {
      return;
    }
    long t = now.toEpochMilli();
    List<String> args = new ArrayList<>(4 + keys.length);
    Collections.addAll(args, prefix, Long.toString(t), Long.toString(actual), model == null ? "" : model);
    for (String k : keys) {
      if (k != null) {
        args.add(k);
      }
    }
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<?> r = (List<?>) run(RedisScripts.CHARGE, args);
      if (str(r.get(0)).equals("ok")) {
        return;
      }
      rollOver(str(r.get(1)), t);
    }
    throw new BudgetStoreException(describe() + ": a budget period would not roll over");
  }

  @Override
  public int expireLeases(Instant now) {
    int total = 0;
    while (true) {
      int n = ((Number) run(RedisScripts.EXPIRE, List.of(prefix, Long.toString(now.toEpochMilli()), "500"))).intValue();
      total += n;
      if (n < 500) {
        return total;
      }
    }
  }

  @Override
  public Optional<BudgetSnapshot> snapshot(String key, Instant now) {
    long t = now.toEpochMilli();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Map<String, String> h = hash((List<?>) run(RedisScripts.SNAPSHOT, List.of(prefix, Long.toString(t), key)));
      if (h.isEmpty()) {
        return Optional.empty();
      }
      String next = h.get("next");
      if (next != null && Long.parseLong(next) <= t) {
        rollOver(key, t);
        continue;
      }
      return Optional.of(toSnapshot(key, h));
    }
    throw new BudgetStoreException(describe() + ": a budget period would not roll over");
  }

  private static BudgetSnapshot toSnapshot(String key, Map<String, String> h) {
    Map<String, BigDecimal> models = new TreeMap<>();
    h.forEach((f, v) -> {
      if (f.startsWith("m:")) {
        models.put(f.substring(2), Picodollars.toDollars(Long.parseLong(v)));
      }
    });
    String limit = h.get("limit");
    String dur = h.get("dur");
    String next = h.get("next");
    return new BudgetSnapshot(key,
        limit == null ? null : Picodollars.toDollars(Long.parseLong(limit)),
        Picodollars.toDollars(Long.parseLong(h.getOrDefault("spent", "0"))),
        Picodollars.toDollars(Long.parseLong(h.getOrDefault("reserved", "0"))),
        Collections.unmodifiableMap(models),
        dur == null ? null : BudgetDuration.parse(dur),
        Instant.ofEpochMilli(Long.parseLong(h.get("created"))),
        Instant.ofEpochMilli(Long.parseLong(h.get("start"))),
        next == null ? null : Instant.ofEpochMilli(Long.parseLong(next)));
  }

  @Override
  public void putBudget(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    put(key, totalBudget, duration, createdAt, false);
  }

  @Override
  public boolean putBudgetIfAbsent(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt) {
    return put(key, totalBudget, duration, createdAt, true);
  }

  private boolean put(String key, BigDecimal totalBudget, BudgetDuration duration, Instant createdAt, boolean ifAbsent) {
    String limit = totalBudget == null ? "" : Long.toString(Picodollars.of(totalBudget));
    String dur = duration == null ? "" : duration.toString();
    if (ifAbsent && known.containsKey(key)) {
      return false; // the engine asks this on every call of a user with a default budget
    }
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Map<String, String> h = ifAbsent ? Map.of() : read(key);
      List<String> args = new ArrayList<>();
      if (h.isEmpty() || ifAbsent) {
        Instant start = duration == null ? createdAt : duration.currentPeriodStart(createdAt, createdAt, createdAt, zone);
        Collections.addAll(args, prefix, Long.toString(createdAt.toEpochMilli()), key,
            ifAbsent ? "ifabsent" : "new", "", "",
            "limit", limit, "dur", dur, "created", Long.toString(createdAt.toEpochMilli()),
            "start", Long.toString(start.toEpochMilli()), "next", next(start, duration, createdAt),
            "spent", "0", "reserved", "0");
      } else {
        Instant created = Instant.ofEpochMilli(Long.parseLong(h.get("created")));
        String oldDur = h.getOrDefault("dur", "");
        Collections.addAll(args, prefix, Long.toString(createdAt.toEpochMilli()), key, "update",
            h.get("start"), oldDur, "limit", limit, "dur", dur);
        if (!oldDur.equals(dur)) {
          Instant start = Instant.ofEpochMilli(Long.parseLong(h.get("start")));
          Collections.addAll(args, "next", next(start, duration, created));
        }
      }
      long r = ((Number) run(RedisScripts.PUT, args)).longValue();
      if (r != 0) {
        known.put(key, Boolean.TRUE);
        return r == 1;
      }
    }
    throw new BudgetStoreException(describe() + ": budget '" + key + "' kept changing while it was written");
  }

  private String next(Instant start, BudgetDuration duration, Instant anchor) {
    return duration == null ? "" : Long.toString(duration.nextReset(start, anchor, zone).toEpochMilli());
  }

  @Override
  public Set<String> keys() {
    try {
      return Collections.unmodifiableSet(new TreeSet<>(redis.smembers(prefix + "keys")));
    } catch (JedisException e) {
      throw unreachable(e);
    }
  }

  /**
   * {@code SET <prefix>alert:<key>:<period start ms>:<threshold> NX}: the first JVM to set it
   * announces. It expires a day after the period ends, or after now if that is later (clocks of a
   * fleet differ); a budget that
   * never resets keeps its few claims.
   */
  @Override
  public boolean claimAlert(String key, String threshold, Instant periodStart, Instant periodEnd) {
    SetParams nx = SetParams.setParams().nx();
    if (periodEnd != null) {
      // never in the past: a SET that expires at once would let every JVM claim
      nx.pxAt(Picodollars.saturatedAdd(Math.max(millis(periodEnd), System.currentTimeMillis()), 86_400_000L));
    }
    try {
      return "OK".equals(redis.set(prefix + "alert:" + key + ":" + periodStart.toEpochMilli() + ":" + threshold,
          instance, nx));
    } catch (JedisException e) {
      throw unreachable(e);
    }
  }

  @Override
  public void resetCost(String key, Instant now) {
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Map<String, String> h = read(key);
      if (h.isEmpty()) {
        return;
      }
      String dur = h.get("dur");
      BudgetDuration duration = dur == null ? null : BudgetDuration.parse(dur);
      long r = ((Number) run(RedisScripts.RESET, List.of(prefix, Long.toString(now.toEpochMilli()), key, h.get("start"),
          Long.toString(now.toEpochMilli()), next(now, duration, null)))).longValue();
      if (r == 1) {
        return;
      }
    }
    throw new BudgetStoreException(describe() + ": budget '" + key + "' kept changing while it was reset");
  }

  @Override
  public void resetDue(Instant now) {
    expireLeases(now);
    for (String key : keys()) {
      snapshot(key, now);
    }
  }

  /**
   * Rolls {@code key}'s period over if it is due at {@code now}. The new period starts on the
   * budget's grid, not at {@code now}, and the write only lands while the period still starts where
   * it was read: JVMs whose clocks differ all compute the same start, and only the first applies it.
   */
  private void rollOver(String key, long now) {
    Map<String, String> h = read(key);
    String next = h.get("next");
    String dur = h.get("dur");
    if (h.isEmpty() || next == null || dur == null || Long.parseLong(next) > now) {
      return;
    }
    BudgetDuration duration = BudgetDuration.parse(dur);
    Instant created = Instant.ofEpochMilli(Long.parseLong(h.get("created")));
    Instant start = duration.currentPeriodStart(Instant.ofEpochMilli(Long.parseLong(h.get("start"))),
        Instant.ofEpochMilli(now), created, zone);
    run(RedisScripts.RESET, List.of(prefix, Long.toString(now), key, h.get("start"),
        Long.toString(start.toEpochMilli()), next(start, duration, created)));
  }

  @Override
  public void flush() {
    // every operation is already on the server
  }

  @Override
  public void close() {
    redis.close();
  }

  // --- talking to Redis ---

  /** Each script's SHA-1, computed once: EVALSHA sends 40 bytes instead of the script. */
  private static final Map<String, String> SHAS = shas(RedisScripts.RESERVE, RedisScripts.SETTLE,
      RedisScripts.CHARGE, RedisScripts.EXPIRE, RedisScripts.SNAPSHOT, RedisScripts.RESET, RedisScripts.PUT);

  private static Map<String, String> shas(String... scripts) {
    Map<String, String> m = new HashMap<>();
    try {
      for (String s : scripts) {
        m.put(s, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8))));
      }
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-1", e);
    }
    return Map.copyOf(m);
  }

  /** EVALSHA, falling back to EVAL (which caches the script) on a server that has not seen it. */
  private Object run(String script, List<String> args) {
    try {
      try {
        return redis.evalsha(SHAS.get(script), routing, args);
      } catch (JedisNoScriptException e) {
        return redis.eval(script, routing, args);
      }
    } catch (JedisException e) {
      throw unreachable(e);
    }
  }

  /** The budget's hash as it stands, without releasing leases (those follow the caller's clock). */
  private Map<String, String> read(String key) {
    try {
      return redis.hgetAll(prefix + "b:" + key);
    } catch (JedisException e) {
      throw unreachable(e);
    }
  }

  private BudgetStoreException unreachable(JedisException e) {
    known.clear(); // the server may come back without its data
    return new BudgetStoreException(describe() + ": " + e.getMessage(), e);
  }

  private static String str(Object o) {
    if (o instanceof byte[]) {
      return new String((byte[]) o, StandardCharsets.UTF_8);
    }
    return String.valueOf(o);
  }

  private static Map<String, String> hash(List<?> flat) {
    Map<String, String> h = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      h.put(str(flat.get(i)), str(flat.get(i + 1)));
    }
    return h;
  }

  private static long millis(Instant i) {
    try {
      return i.toEpochMilli();
    } catch (ArithmeticException e) {
      return i.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
