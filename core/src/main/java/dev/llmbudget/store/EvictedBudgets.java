package dev.llmbudget.store;

import dev.llmbudget.BudgetDuration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The budgets a {@link Ledger} evicted, packed: each key's UTF-8 bytes and its model breakdown in one
 * byte arena, its six numbers in a long array, found through an open-addressing table of ints. About
 * 75 bytes a budget (118 measured with array growth) instead of a live entry's ~206. Not thread-safe: the ledger calls it under its
 * eviction lock. A budget is here or in the ledger's map, never in both (see {@link Ledger}).
 */
final class EvictedBudgets {

  private static final int STRIDE = 5;
  private static final int LIMIT = 0;
  private static final int CREATED = 1;
  private static final int SPENT = 2;
  private static final int PERIOD_START = 3;
  private static final int NEXT_RESET = 4;

  /** A budget taken out of (or about to go into) the packed form; its creation as epoch nanoseconds. */
  static final class Packed {
    final long limit;
    final BudgetDuration duration;
    final long createdNanos;
    final long spent;
    final long periodStart;
    final long nextReset;
    final String[] models;
    final long[] costs;

    Packed(long limit, BudgetDuration duration, long createdNanos, long spent, long periodStart, long nextReset,
        String[] models, long[] costs) {
      this.limit = limit;
      this.duration = duration;
      this.createdNanos = createdNanos;
      this.spent = spent;
      this.periodStart = periodStart;
      this.nextReset = nextReset;
      this.models = models;
      this.costs = costs;
    }
  }

  private int[] slots = new int[16];
  private int size;
  private int records;
  private long[] numbers = new long[16 * STRIDE];
  private int[] keyAt = new int[16];
  private int[] hashes = new int[16];
  private int[] durationOf = new int[16];
  private int[] free = new int[16];
  private int freeCount;
  private byte[] arena = new byte[1024];
  private int arenaUsed;
  private int arenaGarbage;
  /** Distinct durations and model names, referred to by index: a million budgets share a few. */
  private final List<BudgetDuration> durations = new ArrayList<>();
  private final Map<BudgetDuration, Integer> durationIndex = new HashMap<>();
  private final List<String> names = new ArrayList<>();
  private final Map<String, Integer> nameIndex = new HashMap<>();

  int size() {
    return size;
  }

  /**
   * Whether {@code key} has an exact UTF-8 form: one with a lone surrogate (a cut emoji) encodes as
   * '?', would come back as another user's name, and so stays live.
   */
  static boolean packable(String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 == key.length() || !Character.isLowSurrogate(key.charAt(i + 1))) {
          return false;
        }
        i++;
      }
    }
    return true;
  }

  boolean contains(String key) {
    return find(key, key.getBytes(StandardCharsets.UTF_8)) >= 0;
  }

  /** Packs {@code p} under {@code key}, which must not be here yet. */
  void put(String key, Packed p) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    int r = freeCount > 0 ? free[--freeCount] : records++;
    if (r >= keyAt.length) {
      int n = keyAt.length * 2;
      numbers = Arrays.copyOf(numbers, n * STRIDE);
      keyAt = Arrays.copyOf(keyAt, n);
      hashes = Arrays.copyOf(hashes, n);
      durationOf = Arrays.copyOf(durationOf, n);
    }
    int at = r * STRIDE;
    numbers[at + LIMIT] = p.limit;
    numbers[at + CREATED] = p.createdNanos;
    numbers[at + SPENT] = p.spent;
    numbers[at + PERIOD_START] = p.periodStart;
    numbers[at + NEXT_RESET] = p.nextReset;
    durationOf[r] = durationIndex(p.duration);
    hashes[r] = hash(key);
    keyAt[r] = append(k, p.models, p.costs);
    if ((size + 1) * 2 > slots.length) {
      rehash(slots.length * 2);
    }
    insert(r);
    size++;
  }

  /** Removes {@code key} and returns what it held; null when it is not here. */
  Packed take(String key) {
    int slot = find(key, key.getBytes(StandardCharsets.UTF_8));
    if (slot < 0) {
      return null;
    }
    int r = slots[slot] - 1;
    Packed p = read(r);
    removeSlot(slot);
    int at = keyAt[r];
    arenaGarbage += recordEnd(at) - at;
    if (freeCount == free.length) {
      free = Arrays.copyOf(free, free.length * 2);
    }
    free[freeCount++] = r;
    size--;
    if (arenaGarbage > 1 << 16 && arenaGarbage * 2 > arenaUsed) {
      compact();
    }
    return p;
  }

  /** What {@code key} holds, left in place; null when it is not here. */
  Packed get(String key) {
    int slot = find(key, key.getBytes(StandardCharsets.UTF_8));
    return slot < 0 ? null : read(slots[slot] - 1);
  }

  /** Replaces the period of {@code key} (a reset: a new period with nothing spent and no breakdown). */
  void resetPeriod(String key, long periodStart, long nextReset) {
    int slot = find(key, key.getBytes(StandardCharsets.UTF_8));
    if (slot >= 0) {
      resetRecord(slots[slot] - 1, periodStart, nextReset);
    }
  }

  interface Visitor {
    void visit(String key, Packed p);
  }

  /** Every packed budget; the visitor must not change this store. */
  void forEach(Visitor v) {
    for (int slot : slots) {
      if (slot != 0) {
        int r = slot - 1;
        v.visit(keyOf(r), read(r));
      }
    }
  }

  /** Every key. */
  void forEachKey(java.util.function.Consumer<String> v) {
    for (int slot : slots) {
      if (slot != 0) {
        v.accept(keyOf(slot - 1));
      }
    }
  }

  /** The key of every budget whose period ended by {@code now}, read from the numbers alone. */
  void forEachDueKey(long now, java.util.function.Consumer<String> v) {
    for (int slot : slots) {
      if (slot != 0 && now >= numbers[(slot - 1) * STRIDE + NEXT_RESET]) {
        v.accept(keyOf(slot - 1));
      }
    }
  }

  private void resetRecord(int r, long periodStart, long nextReset) {
    int at = r * STRIDE;
    numbers[at + SPENT] = 0;
    numbers[at + PERIOD_START] = periodStart;
    numbers[at + NEXT_RESET] = nextReset;
    // the breakdown belongs to the period that ended: its bytes stay as garbage, its count says none
    int p = keyAt[r];
    int len = readVarint(p);
    p += varintSize(len) + len;
    int before = recordEnd(keyAt[r]);
    arena[p] = 0;
    arenaGarbage += before - (p + 1);
  }

  private Packed read(int r) {
    int at = r * STRIDE;
    int p = keyAt[r];
    int len = readVarint(p);
    p += varintSize(len) + len;
    int count = readVarint(p);
    p += varintSize(count);
    String[] models = new String[count];
    long[] costs = new long[count];
    for (int i = 0; i < count; i++) {
      int name = readVarint(p);
      p += varintSize(name);
      models[i] = names.get(name);
      long c = 0;
      for (int b = 0; b < 8; b++) {
        c = (c << 8) | (arena[p++] & 0xFF);
      }
      costs[i] = c;
    }
    int d = durationOf[r];
    return new Packed(numbers[at + LIMIT], d == 0 ? null : durations.get(d - 1), numbers[at + CREATED],
        numbers[at + SPENT], numbers[at + PERIOD_START], numbers[at + NEXT_RESET], models, costs);
  }

  private String keyOf(int r) {
    int p = keyAt[r];
    int len = readVarint(p);
    return new String(arena, p + varintSize(len), len, StandardCharsets.UTF_8);
  }

  private int durationIndex(BudgetDuration d) {
    if (d == null) {
      return 0;
    }
    Integer i = durationIndex.get(d);
    if (i == null) {
      durations.add(d);
      i = durations.size();
      durationIndex.put(d, i);
    }
    return i;
  }

  private int nameIndex(String model) {
    Integer i = nameIndex.get(model);
    if (i == null) {
      i = names.size();
      names.add(model);
      nameIndex.put(model, i);
    }
    return i;
  }

  /** Appends key and breakdown to the arena; returns where they start. */
  private int append(byte[] key, String[] models, long[] costs) {
    int need = 5 + key.length + 5 + models.length * 13;
    if (arenaUsed + need > arena.length) {
      long n = Math.max((long) arena.length * 2, (long) arenaUsed + need);
      if (n > Integer.MAX_VALUE - 8) {
        compact();
        n = Math.max((long) arena.length, (long) arenaUsed + need);
        if (n > Integer.MAX_VALUE - 8) {
          throw new IllegalStateException("too many evicted budgets for one arena");
        }
      }
      arena = Arrays.copyOf(arena, (int) n);
    }
    int start = arenaUsed;
    int p = writeVarint(start, key.length);
    System.arraycopy(key, 0, arena, p, key.length);
    p += key.length;
    p = writeVarint(p, models.length);
    for (int i = 0; i < models.length; i++) {
      p = writeVarint(p, nameIndex(models[i]));
      long c = costs[i];
      for (int b = 7; b >= 0; b--) {
        arena[p++] = (byte) (c >>> (b * 8));
      }
    }
    arenaUsed = p;
    return start;
  }

  private int recordEnd(int p) {
    int len = readVarint(p);
    p += varintSize(len) + len;
    int count = readVarint(p);
    p += varintSize(count);
    for (int i = 0; i < count; i++) {
      p += varintSize(readVarint(p)) + 8;
    }
    return p;
  }

  /** Copies the live records into a fresh arena, dropping the bytes of taken and reset ones. */
  private void compact() {
    byte[] old = arena;
    byte[] fresh = new byte[Math.max(1024, arenaUsed - arenaGarbage + (arenaUsed - arenaGarbage) / 2)];
    int used = 0;
    for (int slot : slots) {
      if (slot != 0) {
        int r = slot - 1;
        int from = keyAt[r];
        int len = recordEnd(from) - from;
        if (used + len > fresh.length) {
          fresh = Arrays.copyOf(fresh, Math.max(fresh.length * 2, used + len));
        }
        System.arraycopy(old, from, fresh, used, len);
        keyAt[r] = used;
        used += len;
      }
    }
    arena = fresh;
    arenaUsed = used;
    arenaGarbage = 0;
  }

  private int find(String key, byte[] k) {
    int mask = slots.length - 1;
    int h = hash(key);
    for (int i = h & mask; ; i = (i + 1) & mask) {
      int s = slots[i];
      if (s == 0) {
        return -1;
      }
      int r = s - 1;
      if (hashes[r] == h && keyEquals(r, k)) {
        return i;
      }
    }
  }

  private boolean keyEquals(int r, byte[] k) {
    int p = keyAt[r];
    int len = readVarint(p);
    if (len != k.length) {
      return false;
    }
    int from = p + varintSize(len);
    return Arrays.equals(arena, from, from + len, k, 0, len);
  }

  private void insert(int r) {
    int mask = slots.length - 1;
    int i = hashes[r] & mask;
    while (slots[i] != 0) {
      i = (i + 1) & mask;
    }
    slots[i] = r + 1;
  }

  /** Linear probing's deletion without tombstones: later members of the run move back into the gap. */
  private void removeSlot(int gap) {
    int mask = slots.length - 1;
    slots[gap] = 0;
    for (int i = (gap + 1) & mask; slots[i] != 0; i = (i + 1) & mask) {
      int home = hashes[slots[i] - 1] & mask;
      // the member at i may move to the gap when its home is not in the cyclic range (gap, i]
      boolean stays = gap <= i ? (gap < home && home <= i) : (gap < home || home <= i);
      if (!stays) {
        slots[gap] = slots[i];
        slots[i] = 0;
        gap = i;
      }
    }
  }

  private void rehash(int capacity) {
    int[] old = slots;
    slots = new int[capacity];
    for (int s : old) {
      if (s != 0) {
        insert(s - 1);
      }
    }
  }

  private static int hash(String key) {
    int h = key.hashCode() * 0x9E3779B9;
    return h ^ (h >>> 16);
  }

  private int writeVarint(int p, int v) {
    while ((v & ~0x7F) != 0) {
      arena[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    arena[p++] = (byte) v;
    return p;
  }

  private int readVarint(int p) {
    int v = 0;
    int shift = 0;
    while (true) {
      byte b = arena[p++];
      v |= (b & 0x7F) << shift;
      if (b >= 0) {
        return v;
      }
      shift += 7;
    }
  }

  private static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }
}
