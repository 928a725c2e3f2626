package dev.llmbudget.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Budgets kept in a JSON file of the shape of LiteLLM's {@code user_cost.json}, so an existing
 * LiteLLM file loads as is. Charges stay in memory and a daemon thread writes the file atomically
 * at most every flush interval (longer for a file over 8 MB: one second per 8 MB), so a {@code kill -9}
 * loses at most that window; JVMs on one host
 * may share the file, and each sees the others' spend as fresh as the flush interval. They
 * serialize their writes with a lock on {@code .<file>.lock} beside it.
 */
public final class LocalFileStore extends LedgerStore {

  /** Serializes flushes of stores in this JVM that share a file: a JVM cannot lock one file twice. */
  private static final ConcurrentHashMap<Path, Object> IN_JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path file;
  private final Path lockFile;
  private final Path legacyLockFile;
  private final Clock clock;
  private final Object flushLock = new Object();
  private final LedgerSync sync = new LedgerSync();
  private final PeriodicFlusher flusher;
  private volatile long flushedCount;
  private volatile List<Object> fileStamp;
  /**
   * Length and CRC-32C of the file's bytes as this store last read or wrote them (-1: unknown).
   * When the file still has them, it holds exactly the sync baseline, so a flush skips parsing it:
   * with 100,000 users the parse was a third of a flush. The CRC is a change detector against
   * honest writers (other stores), not a guard against tampering.
   */
  private long syncedLength = -1;
  private int syncedCrc;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Idle time after which a budget is packed out of the live map; 0: never. */
  private final long evictIdleMillis;
  private volatile long nextSweep;

  /** A store on {@code file} in UTC that flushes at most every second. */
  public LocalFileStore(Path file) {
    this(file, ZoneId.of("UTC"), Duration.ofSeconds(1));
  }

  /**
   * Opens {@code file} (a missing one is an empty store, created with its directories on the first
   * flush) and starts flushing at most every {@code flushInterval}.
   *
   * @throws BudgetStoreException when the file cannot be read or is not a valid user dict
   */
  public LocalFileStore(Path file, ZoneId zone, Duration flushInterval) {
    this(file, zone, flushInterval, Duration.ZERO);
  }

  /**
   * As above, and on the flush thread packs budgets unused for {@code evictIdleAfter} to twice that
   * (holding no reservation) out of the live map; they stay in the file and are unpacked on next use. Zero: never.
   */
  public LocalFileStore(Path file, ZoneId zone, Duration flushInterval, Duration evictIdleAfter) {
    this(file, zone, flushInterval, evictIdleAfter, Clock.system(zone));
  }

  LocalFileStore(Path file, ZoneId zone, Duration flushInterval, Clock clock) {
    this(file, zone, flushInterval, Duration.ZERO, clock);
  }

  LocalFileStore(Path file, ZoneId zone, Duration flushInterval, Duration evictIdleAfter, Clock clock) {
    super(zone, evicts(evictIdleAfter));
    this.evictIdleMillis = evicts(evictIdleAfter) ? evictIdleAfter.toMillis() : 0;
    this.file = file.toAbsolutePath().normalize();
    this.lockFile = this.file.resolveSibling("." + this.file.getFileName() + ".lock");
    this.legacyLockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
    this.clock = Objects.requireNonNull(clock, "clock");
    PeriodicFlusher.requirePositive(flushInterval);
    synchronized (flushLock) {
      if (Files.isDirectory(this.file.getParent())) {
        underFileLock(() -> {
          sync.load(ledger, parse(readBytes()));
          fileStamp = stamp();
          deleteTempFilesOfCrashedWriters();
        });
      }
      flushedCount = ledger.mutationCount();
    }
    flusher = evictIdleMillis == 0
        ? new PeriodicFlusher(describe(), flushInterval, this::isDirty, this::flushAndPace)
        : new PeriodicFlusher(describe(), flushInterval, () -> isDirty() || clock.millis() >= nextSweep,
            () -> {
              long pace = isDirty() ? flushAndPace() : 0;
              evictIdle();
              return pace;
            });
    ExitFlush.register(this);
  }

  @Override
  public String describe() {
    return "local file " + file;
  }

  /**
   * Writes now: under an exclusive lock on {@code .<file>.lock} it re-reads the file, adds what
   * other JVMs charged since the last sync, and atomically replaces the file with the merged state,
   * keeping the file's POSIX mode and group; a file that would not change is not rewritten.
   *
   * @throws BudgetStoreException when the file cannot be written or has become corrupt; nothing in
   *     memory is dropped and the next flush retries
   */
  @Override
  public void flush() {
    flushAndPace();
  }

  /**
   * Nanoseconds of flush interval per byte of file: one second per 8 MB. A flush parses (when
   * another JVM wrote) and prints the whole file, about 10 ns of CPU a byte (100,000 users with a
   * model breakdown: 27 MB, 0.25 s), so waiting 125 ns a byte keeps flushing under a tenth of a
   * core however many users the file holds; a file under 8 MB keeps the configured interval.
   * Paced by size rather than by timing the flush, so a loaded machine does not stretch it.
   */
  static final long PACE_NANOS_PER_BYTE = 125;

  /** {@link #flush}, returning how long the flush thread waits at least before the next one. */
  long flushAndPace() {
    long[] size = new long[1];
    synchronized (flushLock) {
      try {
        Files.createDirectories(file.getParent());
      } catch (IOException e) {
        throw new BudgetStoreException(describe() + ": cannot create its directory: " + e, e);
      }
      underFileLock(() -> {
        byte[] bytes = readBytes();
        size[0] = bytes.length;
        Map<String, StoredBudget> onFile;
        if (bytes.length == syncedLength && crc(bytes) == syncedCrc) {
          // Nobody wrote since our last sync: the file is the baseline, and merging it changes nothing.
          onFile = sync.baseline();
        } else {
          onFile = parse(bytes);
          sync.merge(ledger, onFile, clock.instant());
        }
        long count = ledger.mutationCount();
        Map<String, StoredBudget> exported = sync.export(ledger);
        // Only when the file would change: idle JVMs sharing a file would otherwise answer each
        // other's writes with writes (and fsyncs) for ever.
        boolean changed = !exported.equals(onFile);
        byte[] out = changed ? UserCostWriter.write(exported) : null;
        if (changed) {
          size[0] = Math.max(size[0], out.length);
          writeAtomically(out);
          copyModeAndGroup(file, lockFile);
          remember(out);
        }
        sync.written(exported);
        flushedCount = count;
        fileStamp = stamp();
      });
    }
    return size[0] * PACE_NANOS_PER_BYTE;
  }

  /**
   * Claims an alert in {@code .<file>.alerts} beside the data file, under the data file's lock, so
   * JVMs sharing the file announce each crossing once. Best effort as the file is: each JVM sees the
   * others' spend only after their flush, so the crossing itself may be noticed late, never twice.
   * Claims are forgotten a day after their period ends.
   */
  @Override
  public boolean claimAlert(String key, String threshold, Instant periodStart, Instant periodEnd) {
    Path claims = file.resolveSibling("." + file.getFileName() + ".alerts");
    String id = (key + "\t" + periodStart.toEpochMilli() + "\t" + threshold).replace('\n', ' ');
    long now = clock.millis();
    long forgetAfter = periodEnd == null ? Long.MAX_VALUE : Math.max(periodEnd.toEpochMilli(), now) + 86_400_000L;
    boolean[] claimed = new boolean[1];
    synchronized (flushLock) {
      try {
        Files.createDirectories(file.getParent());
      } catch (IOException e) {
        throw new BudgetStoreException(describe() + ": cannot create its directory: " + e, e);
      }
      underFileLock(() -> {
        List<String> kept = new java.util.ArrayList<>();
        boolean seen = false;
        if (Files.exists(claims)) {
          for (String line : Files.readAllLines(claims, java.nio.charset.StandardCharsets.UTF_8)) {
            int tab = line.lastIndexOf('\t');
            if (tab < 0) {
              continue;
            }
            long forget;
            try {
              forget = Long.parseLong(line.substring(tab + 1));
            } catch (NumberFormatException e) {
              continue;
            }
            if (forget < now) {
              continue;
            }
            kept.add(line);
            seen |= line.substring(0, tab).equals(id);
          }
        }
        if (!seen) {
          kept.add(id + "\t" + forgetAfter);
          Path tmp = claims.resolveSibling(claims.getFileName() + ".tmp");
          Files.write(tmp, kept, java.nio.charset.StandardCharsets.UTF_8);
          Files.move(tmp, claims, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
              java.nio.file.StandardCopyOption.ATOMIC_MOVE);
          copyModeAndGroup(file, claims);
        }
        claimed[0] = !seen;
      });
    }
    return claimed[0];
  }

  /** Stops the flush thread and writes a last time. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    flusher.stop();
    try {
      flush();
    } finally {
      ExitFlush.unregister(this);
    }
  }

  /**
   * Packs idle budgets out of the live map when a sweep is due; returns how many. Under the flush
   * lock, so it never runs beside a merge of other JVMs' spend, which changes entries directly.
   */
  int evictIdle() {
    long now = clock.millis();
    if (evictIdleMillis == 0 || now < nextSweep) {
      return 0;
    }
    synchronized (flushLock) {
      nextSweep = now + evictIdleMillis; // marked at one sweep, evicted at the next if unused in between
      return ledger.evictIdle();
    }
  }

  private boolean isDirty() {
    return ledger.mutationCount() != flushedCount || !Objects.equals(stamp(), fileStamp);
  }

  private interface IoAction {
    void run() throws IOException;
  }

  /**
   * Runs {@code action} holding {@code .<file>.lock}, and first {@code <file>.lock} when that exists:
   * the name that llm-budget 0.1 used, so its JVMs and ours still exclude each other on a shared file.
   */
  private void underFileLock(IoAction action) {
    synchronized (IN_JVM_LOCKS.computeIfAbsent(file, k -> new Object())) {
      try {
        if (Files.exists(legacyLockFile)) {
          try (FileChannel legacy = FileChannel.open(legacyLockFile, StandardOpenOption.WRITE)) {
            FileLock lock = legacy.lock();
            try {
              underOwnLock(action);
            } finally {
              lock.release();
            }
          }
        } else {
          underOwnLock(action);
        }
      } catch (IOException e) {
        throw new BudgetStoreException(describe() + ": " + e, e);
      }
    }
  }

  private void underOwnLock(IoAction action) throws IOException {
    boolean created = !Files.exists(lockFile);
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (created) {
        // JVMs of other OS users that may use the data file must be able to open the lock too.
        copyModeAndGroup(file, lockFile);
      }
      FileLock lock = ch.lock();
      try {
        action.run();
      } finally {
        lock.release();
      }
    }
  }

  /**
   * Gives {@code to} the POSIX permissions and group of {@code from}, when both exist on a POSIX
   * file system; the owner cannot be given away without privileges, so JVMs of other users rely
   * on the group. Best effort: a group this user is not in is left as it is.
   */
  private static void copyModeAndGroup(Path from, Path to) {
    PosixFileAttributes source;
    try {
      source = Files.readAttributes(from, PosixFileAttributes.class);
    } catch (IOException | UnsupportedOperationException e) {
      return;
    }
    PosixFileAttributeView target = Files.getFileAttributeView(to, PosixFileAttributeView.class);
    if (target == null) {
      return;
    }
    try {
      target.setPermissions(source.permissions());
    } catch (IOException e) {
      // Not our file: its mode is its owner's business.
    }
    try {
      target.setGroup(source.group());
    } catch (IOException e) {
      // Not a member of that group.
    }
  }

  /** The file's bytes; none when it does not exist. */
  private byte[] readBytes() throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new byte[0];
    }
  }

  private Map<String, StoredBudget> parse(byte[] bytes) {
    if (bytes.length == 0 && !Files.exists(file)) {
      syncedLength = -1; // a file created empty later must be parsed (and refused), not taken as ours
      return Map.of();
    }
    Map<String, StoredBudget> parsed = UserCostReader.parse(bytes, describe(), clock.instant());
    remember(bytes);
    return parsed;
  }

  private void remember(byte[] bytes) {
    syncedLength = bytes.length;
    syncedCrc = crc(bytes);
  }

  private static int crc(byte[] bytes) {
    CRC32C c = new CRC32C();
    c.update(bytes, 0, bytes.length);
    return (int) c.getValue();
  }

  /** Temp file, fsync, rename over, fsync the directory: a crash leaves the old or the new file. */
  private void writeAtomically(byte[] bytes) throws IOException {
    Path dir = file.getParent();
    // Not createTempFile, which makes a 0600 file: a new file gets the mode the umask gives, and
    // a replacement the mode and group of the file it replaces.
    Path tmp = dir.resolve(file.getFileName() + "." + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
    Files.createFile(tmp);
    try {
      copyModeAndGroup(file, tmp);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot replace files atomically", e);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Some systems (Windows) cannot open or sync a directory; the rename is still atomic there.
    }
  }

  /** Every writer holds the lock while its temp file exists, so one found under the lock is a crash's leftover. */
  private void deleteTempFilesOfCrashedWriters() throws IOException {
    String prefix = file.getFileName() + ".";
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(file.getParent(),
        p -> p.getFileName().toString().startsWith(prefix) && p.getFileName().toString().endsWith(".tmp"))) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Identifies the file's current version; a rename gives a new file key, a write a new time. */
  private List<Object> stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (IOException e) {
      return null;
    }
  }
}
