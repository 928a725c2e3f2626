package dev.llmbudget.agent.instrumentation.genai;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The user of each async call's content list, by identity, until the pool thread that runs the
 * call takes it. Keys are weak: a tag that is never taken (the SDK copied the list) goes with its
 * list, and the map is bounded besides.
 */
final class CallerTags {

  private static final int MAX = 10_000;

  private final ConcurrentHashMap<Key, String> tags = new ConcurrentHashMap<>();
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();

  void put(Object key, String user) {
    for (Object k; (k = collected.poll()) != null; ) {
      tags.remove(k);
    }
    if (tags.size() < MAX) {
      tags.put(new Key(key, collected), user);
    }
  }

  String take(Object key) {
    return tags.isEmpty() ? null : tags.remove(new Key(key, null));
  }

  /** Equal only to a key of the same object. */
  private static final class Key extends WeakReference<Object> {
    private final int hash;

    Key(Object referent, ReferenceQueue<Object> queue) {
      super(referent, queue);
      hash = System.identityHashCode(referent);
    }

    @Override
    public boolean equals(Object o) {
      if (this == o) {
        return true;
      }
      if (!(o instanceof Key)) {
        return false;
      }
      Object mine = get();
      return mine != null && mine == ((Key) o).get();
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
