package dev.llmbudget.isolated.redis;

/**
 * The Lua scripts that make each store operation one atomic step on the Redis server.
 *
 * <p>Redis runs Lua 5.1, whose numbers are doubles: exact only up to 2^53, while a picodollar sum
 * reaches 2^63. So amounts travel and rest as decimal strings and the scripts add, subtract and
 * compare them as two limbs of nine and ten decimal digits, saturating at {@code Long.MAX_VALUE}
 * like the in-memory ledger. Times are epoch milliseconds from the caller's clock (below 2^53).
 *
 * <p>Every script gets {@code ARGV[1]} = the project's key prefix {@code llmbudget:{project}:} and
 * {@code ARGV[2]} = now; {@code KEYS[1]} is the project's lease set, so a cluster routes the script
 * to the slot that holds every key of the project (the {@code {project}} hash tag).
 */
final class RedisScripts {

  private RedisScripts() {}

  private static final String COMMON = String.join("\n",
      "local B = 1000000000",
      "local MH, ML = 9223372036, 854775807",
      "local function P(s)",
      "  if not s then return {0, 0} end",
      "  local n = #s",
      "  if n <= 9 then return {0, tonumber(s)} end",
      "  return {tonumber(string.sub(s, 1, n - 9)), tonumber(string.sub(s, n - 8))}",
      "end",
      "local function S(a)",
      "  if a[1] == 0 then return string.format('%.0f', a[2]) end",
      "  return string.format('%.0f%09.0f', a[1], a[2])",
      "end",
      "local function LT(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end",
      "local function ADD(a, b)",
      "  local hi, lo = a[1] + b[1], a[2] + b[2]",
      "  if lo >= B then lo = lo - B; hi = hi + 1 end",
      "  if hi > MH or (hi == MH and lo > ML) then return {MH, ML}, true end",
      "  return {hi, lo}, false",
      "end",
      "local function SUB0(a, b)",
      "  if LT(a, b) then return {0, 0} end",
      "  local hi, lo = a[1] - b[1], a[2] - b[2]",
      "  if lo < 0 then lo = lo + B; hi = hi - 1 end",
      "  return {hi, lo}",
      "end",
      "local pre = ARGV[1]",
      "local now = tonumber(ARGV[2])",
      "local function bkey(k) return pre .. 'b:' .. k end",
      "local function release(k, amt)",
      "  local bk = bkey(k)",
      "  local r = redis.call('HGET', bk, 'reserved')",
      "  if r then redis.call('HSET', bk, 'reserved', S(SUB0(P(r), amt))) end",
      "end",
      // Leases: a held reservation past its expiry is released and kept, as 'expired', until its
      // forget time (one more lease span), so a late settle still charges it once; then it goes.
      "local function expire(max)",
      "  local lk = pre .. 'leases'",
      "  local due = redis.call('ZRANGEBYSCORE', lk, '-inf', now, 'LIMIT', 0, max)",
      "  local n = 0",
      "  for _, id in ipairs(due) do",
      "    local rk = pre .. 'r:' .. id",
      "    local r = redis.call('HMGET', rk, 'state', 'amount', 'held', 'forget')",
      "    if r[1] == 'held' then",
      "      local amt = P(r[2])",
      "      for _, k in ipairs(cjson.decode(r[3])) do release(k, amt) end",
      "      redis.call('HSET', rk, 'state', 'expired')",
      "      redis.call('ZADD', lk, r[4], id)",
      "      n = n + 1",
      "    else",
      "      redis.call('DEL', rk)",
      "      redis.call('ZREM', lk, id)",
      "    end",
      "  end",
      "  return n",
      "end",
      "local function due(k)",
      "  local nx = redis.call('HGET', bkey(k), 'next')",
      "  return nx and tonumber(nx) <= now",
      "end",
      "local function book(k, actual, model)",
      "  local bk = bkey(k)",
      "  if redis.call('EXISTS', bk) == 0 then",
      "    redis.call('HSET', bk, 'created', ARGV[2], 'start', ARGV[2], 'spent', '0', 'reserved', '0')",
      "    redis.call('SADD', pre .. 'keys', k)",
      "  end",
      "  redis.call('HSET', bk, 'spent', S((ADD(P(redis.call('HGET', bk, 'spent')), actual))))",
      "  if model ~= '' then",
      "    local f = 'm:' .. model",
      "    redis.call('HSET', bk, f, S((ADD(P(redis.call('HGET', bk, f)), actual))))",
      "  end",
      "end",
      "");

  /**
   * ARGV: prefix, now, id, amount, expiresAt, forgetAt, key... Returns {ok} | {full, key, spent,
   * reserved, limit} | {reset, key} (a period is due: the caller rolls it over and retries) | {dup}.
   */
  static final String RESERVE = COMMON + String.join("\n",
      "expire(32)",
      "local id = ARGV[3]",
      "local rk = pre .. 'r:' .. id",
      "if redis.call('EXISTS', rk) == 1 then return {'dup'} end",
      "local amt = P(ARGV[4])",
      "local keys = {}",
      "for i = 7, #ARGV do keys[#keys + 1] = ARGV[i] end",
      "for _, k in ipairs(keys) do if due(k) then return {'reset', k} end end",
      "local held = {}",
      "for _, k in ipairs(keys) do",
      "  local f = redis.call('HMGET', bkey(k), 'limit', 'spent', 'reserved')",
      "  if f[1] then",
      "    local lim, sp, rs = P(f[1]), P(f[2]), P(f[3])",
      "    local t, o1 = ADD(sp, rs)",
      "    local t2, o2 = ADD(t, amt)",
      "    if o1 or o2 or not LT(sp, lim) or LT(lim, t2) then return {'full', k, S(sp), S(rs), f[1]} end",
      "    held[#held + 1] = k",
      "  end",
      "end",
      "for _, k in ipairs(held) do",
      "  local bk = bkey(k)",
      "  redis.call('HSET', bk, 'reserved', S((ADD(P(redis.call('HGET', bk, 'reserved')), amt))))",
      "end",
      "redis.call('HSET', rk, 'state', 'held', 'amount', ARGV[4], 'keys', cjson.encode(keys),",
      "  'held', cjson.encode(held), 'expires', ARGV[5], 'forget', ARGV[6])",
      "redis.call('ZADD', pre .. 'leases', ARGV[5], id)",
      "return {'ok'}");

  /** ARGV: prefix, now, id, actual, model ('' for none). Returns {ok} | {none} | {reset, key}. */
  static final String SETTLE = COMMON + String.join("\n",
      "expire(32)",
      "local id = ARGV[3]",
      "local rk = pre .. 'r:' .. id",
      "local r = redis.call('HMGET', rk, 'state', 'amount', 'keys', 'held')",
      "if not r[1] then return {'none'} end",
      "local keys = cjson.decode(r[3])",
      "local charging = ARGV[4] ~= '0'",
      "if charging then for _, k in ipairs(keys) do if due(k) then return {'reset', k} end end end",
      "if r[1] == 'held' then",
      "  local amt = P(r[2])",
      "  for _, k in ipairs(cjson.decode(r[4])) do release(k, amt) end",
      "end",
      "if charging then",
      "  local actual = P(ARGV[4])",
      "  for _, k in ipairs(keys) do book(k, actual, ARGV[5]) end",
      "end",
      "redis.call('DEL', rk)",
      "redis.call('ZREM', pre .. 'leases', id)",
      "return {'ok'}");

  /** ARGV: prefix, now, actual, model ('' for none), key... Returns {ok} | {reset, key}. */
  static final String CHARGE = COMMON + String.join("\n",
      "for i = 5, #ARGV do if due(ARGV[i]) then return {'reset', ARGV[i]} end end",
      "local actual = P(ARGV[3])",
      "for i = 5, #ARGV do book(ARGV[i], actual, ARGV[4]) end",
      "return {'ok'}");

  /** ARGV: prefix, now, max. Releases expired leases; returns how many. */
  static final String EXPIRE = COMMON + "return expire(tonumber(ARGV[3]))";

  /** ARGV: prefix, now, key. Releases expired leases, then returns the budget's hash (HGETALL). */
  static final String SNAPSHOT = COMMON + String.join("\n",
      "expire(32)",
      "return redis.call('HGETALL', bkey(ARGV[3]))");

  /**
   * Starts a new period. ARGV: prefix, now, key, expected start ('*' = whatever it is), new start,
   * new next reset ('' = never). Only acts while the period still starts at the expected instant,
   * so two JVMs that both see a reset come due apply it once. Returns 1 when it reset.
   */
  static final String RESET = COMMON + String.join("\n",
      "local bk = bkey(ARGV[3])",
      "local st = redis.call('HGET', bk, 'start')",
      "if not st or (ARGV[4] ~= '*' and st ~= ARGV[4]) then return 0 end",
      "for _, f in ipairs(redis.call('HKEYS', bk)) do",
      "  if string.sub(f, 1, 2) == 'm:' then redis.call('HDEL', bk, f) end",
      "end",
      "redis.call('HSET', bk, 'start', ARGV[5], 'spent', '0')",
      "if ARGV[6] == '' then redis.call('HDEL', bk, 'next') else redis.call('HSET', bk, 'next', ARGV[6]) end",
      "return 1");

  /**
   * Creates or changes a budget's terms. ARGV: prefix, now, key, mode, expected start, expected
   * duration, then field/value pairs ('' value = delete the field). Modes: 'new' and 'ifabsent'
   * create (0 resp. -1 when the key exists); 'update' changes an existing budget while its period
   * start and duration are still what the caller read (else 0, and the caller reads again).
   */
  static final String PUT = COMMON + String.join("\n",
      "local k = ARGV[3]",
      "local bk = bkey(k)",
      "local exists = redis.call('EXISTS', bk) == 1",
      "if ARGV[4] == 'ifabsent' and exists then return -1 end",
      "if ARGV[4] == 'new' and exists then return 0 end",
      "if ARGV[4] == 'update' then",
      "  if not exists then return 0 end",
      "  local f = redis.call('HMGET', bk, 'start', 'dur')",
      "  if f[1] ~= ARGV[5] or (f[2] or '') ~= ARGV[6] then return 0 end",
      "end",
      "for i = 7, #ARGV, 2 do",
      "  if ARGV[i + 1] == '' then redis.call('HDEL', bk, ARGV[i]) else redis.call('HSET', bk, ARGV[i], ARGV[i + 1]) end",
      "end",
      "redis.call('SADD', pre .. 'keys', k)",
      "return 1");
}
