package dev.llmbudget.agent.instrumentation.stainless;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The user of each prepared async request until it is sent, keyed by the request's identity and
 * held weakly: a request prepared but never sent is forgotten when the host drops it, so the table
 * needs no cap, and a live request (which its pending future holds) never loses its user.
 */
final class AsyncCallers {

  private final ConcurrentHashMap<Key, String> users = new ConcurrentHashMap<>();
  private final ReferenceQueue<Object> dropped = new ReferenceQueue<>();

  /** Remembers {@code user} ("" for none) for {@code request}, forgetting requests the host has dropped. */
  void remember(Object request, String user) {
    expunge();
    users.put(new Key(request, dropped), user);
  }

  /** The user remembered for {@code request}, forgotten now; {@code null} when none was. */
  String take(Object request) {
    if (users.isEmpty()) {
      return null;
    }
    String user = users.remove(new Key(request, null));
    expunge();
    return user;
  }

  int size() {
    expunge();
    return users.size();
  }

  private void expunge() {
    for (Object k; (k = dropped.poll()) != null; ) {
      users.remove(k);
    }
  }

  /** A request's identity; equal to another key only while both refer to the same live object. */
  private static final class Key extends WeakReference<Object> {
    private final int hash;

    Key(Object request, ReferenceQueue<Object> queue) {
      super(request, queue);
      this.hash = System.identityHashCode(request);
    }

    @Override
    public boolean equals(Object o) {
      if (o == this) {
        return true;
      }
      if (!(o instanceof Key)) {
        return false;
      }
      Object referent = get();
      return referent != null && referent == ((Key) o).get();
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
