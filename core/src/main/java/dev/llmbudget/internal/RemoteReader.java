package dev.llmbudget.internal;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;

/**
 * Reads a resource over HTTP for the hosted store and price tables fetched by URL. The
 * implementation needs {@code java.net.http}, which code on the bootstrap class path cannot see, so
 * it is found through {@link Extensions} (see the "Class loaders" section of docs/agent.md). Every
 * read is bounded: {@code deadline} covers connecting, the headers and the whole body, and a body
 * longer than {@code maxBytes} is refused, so a server that drips or floods cannot hang the caller.
 */
public interface RemoteReader {

  /**
   * {@code GET uri}, following redirects.
   *
   * @throws IOException naming the URL: cannot connect, over the deadline, over the size cap, or
   *     an answer that is not 2xx (the message holds the start of the body)
   */
  byte[] get(URI uri, Duration deadline, long maxBytes) throws IOException;

  /** {@code POST uri} with a JSON body; otherwise as {@link #get}. */
  byte[] postJson(URI uri, byte[] json, Duration deadline, long maxBytes) throws IOException;

  /**
   * The reader found by {@link Extensions}.
   *
   * @throws IllegalStateException when no implementation can be loaded (an incomplete jar)
   */
  static RemoteReader instance() {
    return Extensions.remoteReader();
  }
}
