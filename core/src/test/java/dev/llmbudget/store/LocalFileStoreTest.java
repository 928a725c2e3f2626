package dev.llmbudget.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmbudget.BudgetDuration;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class LocalFileStoreTest extends BudgetStoreContract {

  @Override
  boolean claimsAlertsOnce() {
    return true;
  }

  @TempDir
  Path dir;

  Path file() {
    return dir.resolve("user_cost.json");
  }

  /** A store that writes only when told to (its background flush waits an hour). */
  LocalFileStore openQuiet(Path file) {
    return new LocalFileStore(file, ZoneOffset.UTC, Duration.ofHours(1), Clock.fixed(T0, ZoneOffset.UTC));
  }

  LocalFileStore open(Path file) {
    return new LocalFileStore(file, ZoneOffset.UTC, Duration.ofMillis(50), Clock.fixed(T0, ZoneOffset.UTC));
  }

  @Override
  BudgetStore openStore() {
    return open(file());
  }

  @Test
  void reloadAfterCloseGivesTheSameStateExactly() {
    store.putBudget("alice", usd("12.345678901234"), BudgetDuration.DAILY, Instant.parse("2026-03-10T09:15:30.123456789Z"));
    store.putBudget("bob", usd("100"), BudgetDuration.parse("12h"), T0);
    store.putBudget(BudgetStore.GLOBAL_KEY, usd("1000"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("alice", BudgetStore.GLOBAL_KEY), Picodollars.of(usd("0.000000000007")), "gpt-4o", T0);
    store.charge(keys("alice", "bob", "carol"), Picodollars.of(usd("3.5")), "claude-3-5-sonnet", T0);
    store.resetCost("bob", T0.plusMillis(1234));
    List<BudgetSnapshot> before = snapshots(store);

    store.close();
    store = open(file());

    assertThat(snapshots(store)).isEqualTo(before);
  }

  @Test
  void writesTheLiteLlmShapeWithPlainExactNumbersAndTextDurations() throws Exception {
    store.putBudget("alice", usd("10"), BudgetDuration.DAILY, T0);
    store.charge(keys("alice"), Picodollars.of(usd("0.000001234")), "gpt-4o", T0);
    store.flush();

    String text = Files.readString(file());
    JsonNode alice = UserCostJson.MAPPER.readTree(text).get("alice");

    assertThat(text).doesNotContainIgnoringCase("e-").doesNotContain("E+");
    assertThat(alice.get("total_budget").decimalValue()).isEqualByComparingTo("10");
    assertThat(alice.get("current_cost").decimalValue()).isEqualByComparingTo("0.000001234");
    assertThat(alice.get("model_cost").get("gpt-4o").decimalValue()).isEqualByComparingTo("0.000001234");
    assertThat(alice.get("duration").textValue()).isEqualTo("daily");
    assertThat(alice.get("created_at").decimalValue()).isEqualByComparingTo(String.valueOf(T0.getEpochSecond()));
    assertThat(alice.get("last_updated_at").decimalValue())
        .isEqualByComparingTo(String.valueOf(Instant.parse("2026-03-10T00:00:00Z").getEpochSecond()));
  }

  @Test
  void loadsAFileWrittenByLiteLlm() throws Exception {
    store.close();
    Files.writeString(file(), "{\"ishaan\": {\"total_budget\": 10.0, \"current_cost\": 7.3e-05,"
        + " \"model_cost\": {\"gpt-3.5-turbo\": 7.3e-05}, \"duration\": 30,"
        + " \"created_at\": 1773136800.5, \"last_updated_at\": 1773136800.5},"
        + " \"krrish\": {\"total_budget\": 5},"
        + " \"$global\": {\"current_cost\": 0.25},"
        + " \"weekly\": {\"total_budget\": 1, \"duration\": 7, \"created_at\": 1773136800}}");

    store = open(file());

    BudgetSnapshot ishaan = store.snapshot("ishaan", T0).orElseThrow();
    assertThat(ishaan.totalBudget()).isEqualByComparingTo("10");
    assertThat(ishaan.currentCost()).isEqualByComparingTo("0.000073");
    assertThat(ishaan.modelCost().get("gpt-3.5-turbo")).isEqualByComparingTo("0.000073");
    assertThat(ishaan.duration()).isEqualTo(BudgetDuration.MONTHLY);
    assertThat(ishaan.createdAt()).isEqualTo(Instant.ofEpochSecond(1773136800L, 500_000_000));
    BudgetSnapshot krrish = store.snapshot("krrish", T0).orElseThrow();
    assertThat(krrish.totalBudget()).isEqualByComparingTo("5");
    assertThat(krrish.currentCost()).isZero();
    assertThat(krrish.duration()).isNull();
    assertThat(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().totalBudget()).isNull();
    assertThat(store.snapshot("weekly", T0).orElseThrow().duration()).isEqualTo(BudgetDuration.WEEKLY);
    assertThat(reserve(keys("krrish"), 5 * DOLLAR, T0).isOk()).isTrue();
  }

  static Stream<Arguments> corruptFiles() {
    return Stream.of(
        Arguments.of("not JSON", "{\"alice\": {\"total_budget\": 1", "not valid JSON"),
        Arguments.of("wrong top-level type", "[1, 2, 3]", "expected a JSON object"),
        Arguments.of("entry not an object", "{\"alice\": 5}", "user 'alice'"),
        Arguments.of("negative budget", "{\"alice\": {\"total_budget\": -1}}", "total_budget"),
        Arguments.of("non-numeric budget", "{\"alice\": {\"total_budget\": \"ten\"}}", "total_budget"),
        Arguments.of("unknown duration", "{\"alice\": {\"total_budget\": 1, \"duration\": \"fortnightly\"}}", "duration"),
        Arguments.of("model_cost not an object", "{\"alice\": {\"current_cost\": 1, \"model_cost\": [1]}}", "model_cost"),
        Arguments.of("empty file", "", "expected a JSON object"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptFiles")
  void aCorruptFileFailsToOpenNamingTheFileAndIsLeftUntouched(String name, String content, String detail)
      throws Exception {
    store.close();
    store = null;
    Files.writeString(file(), content);
    byte[] before = Files.readAllBytes(file());

    assertThatThrownBy(() -> open(file()))
        .isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(file().toString())
        .hasMessageContaining(detail);
    assertThat(Files.readAllBytes(file())).isEqualTo(before);
  }

  /** Issue 8 item 7: rejected on the exponent, before a hundred-million-digit expansion. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"current_cost", "total_budget", "created_at", "last_updated_at", "duration"})
  void aNumberWithAHugeExponentIsRejectedFastWithAShortMessage(String field) throws Exception {
    store.close();
    store = null;
    Files.writeString(file(), "{\"alice\": {\"" + field + "\": 1e100000000}}");

    Throwable thrown = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(2),
        () -> catchThrowable(() -> open(file())));

    assertThat(thrown).isInstanceOf(BudgetStoreException.class)
        .hasMessageContaining(file().toString())
        .hasMessageContaining("user 'alice': " + field + " is out of range: 1E+100000000");
    assertThat(thrown.getMessage()).hasSizeLessThan(file().toString().length() + 100);
  }

  @Test
  void aFileCorruptedWhileOpenIsNeverOverwrittenAndNothingIsDropped() throws Exception {
    store.putBudget("alice", usd("10"), null, T0);
    store.flush();
    Files.writeString(file(), "garbage");

    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    assertThatThrownBy(store::flush).isInstanceOf(BudgetStoreException.class).hasMessageContaining(file().toString());

    assertThat(Files.readString(file())).isEqualTo("garbage");
    assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("1");
    Files.delete(file());
    store.flush();
    assertThat(Files.readString(file())).contains("\"alice\"");
  }

  @Test
  void aMissingFileIsAnEmptyStoreCreatedWithItsDirectoriesOnFlush() throws Exception {
    Path nested = dir.resolve("a/b/costs.json");
    try (LocalFileStore s = open(nested)) {
      assertThat(s.keys()).isEmpty();
      assertThat(nested).doesNotExist();
      s.putBudget("alice", usd("1"), null, T0);
    }
    assertThat(nested).exists();
    try (LocalFileStore s = open(nested)) {
      assertThat(s.keys()).containsExactly("alice");
    }
  }

  @Test
  void theAtomicWriteLeavesNoTempFilesBehind() throws Exception {
    for (int i = 0; i < 20; i++) {
      store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
      store.flush();
    }
    // Stop the background flusher first: a write it has under way legitimately has a temp file.
    store.close();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("user_cost.json", ".user_cost.json.lock");
    }
  }

  /** Issue 8 item 8: two idle JVMs on one file rewrote and fsynced it for ever (16 versions in 8 s). */
  @Test
  void idleStoresSharingAFileLeaveItAlone() throws Exception {
    store.putBudget("alice", usd("10"), null, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    try (LocalFileStore other = open(file())) {
      other.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
      store.flush();
      other.flush();
      store.flush();
      BasicFileAttributes before = Files.readAttributes(file(), BasicFileAttributes.class);

      Thread.sleep(3_000); // 60 flush intervals of each store

      BasicFileAttributes after = Files.readAttributes(file(), BasicFileAttributes.class);
      assertThat(after.fileKey()).isEqualTo(before.fileKey());
      assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
      assertThat(other.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("2");
      assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("2");
    }
  }

  /** Issue 8 item 8: each flush used to leave a 0600 file, locking out JVMs of other OS users. */
  @Test
  void aFlushKeepsTheFilesModeAndGroupAndTheLockFileFollowsIt() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    store.close();
    store = null;
    Path shared = dir.resolve("shared/user_cost.json");
    Files.createDirectories(shared.getParent());
    Files.writeString(shared, "{}");
    Set<PosixFilePermission> groupWritable = PosixFilePermissions.fromString("rw-rw-r--");
    Files.setPosixFilePermissions(shared, groupWritable);
    GroupPrincipal group = Files.readAttributes(shared, PosixFileAttributes.class).group();

    try (LocalFileStore s = open(shared)) {
      s.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
      s.flush();
    }

    assertThat(Files.readString(shared)).contains("\"alice\"");
    assertThat(Files.getPosixFilePermissions(shared)).isEqualTo(groupWritable);
    assertThat(Files.readAttributes(shared, PosixFileAttributes.class).group()).isEqualTo(group);
    assertThat(Files.getPosixFilePermissions(shared.resolveSibling(".user_cost.json.lock"))).isEqualTo(groupWritable);
  }

  /**
   * An operator who opens the file to a group after the fact (chmod/chgrp): the next write keeps it,
   * and the lock and alert-claims files follow, so JVMs of that group can lock the file and claim alerts.
   */
  @Test
  void aModeAndGroupGivenToTheFileByHandReachTheLockAndClaimsFilesAtTheNextWrite() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    store.putBudget("alice", usd("10"), null, T0);
    store.flush();
    Path lock = dir.resolve(".user_cost.json.lock");
    Path claims = dir.resolve(".user_cost.json.alerts");
    Set<PosixFilePermission> groupShared = PosixFilePermissions.fromString("rw-rw----");
    assertThat(Files.getPosixFilePermissions(lock)).isNotEqualTo(groupShared);
    Files.setPosixFilePermissions(file(), groupShared);
    GroupPrincipal before = Files.readAttributes(file(), PosixFileAttributes.class).group();
    for (String name : new String[] {"daemon", "users", "nogroup", "bin"}) {
      try { // another group where this user may give one (root, or a member): the group is checked too
        Files.getFileAttributeView(file(), java.nio.file.attribute.PosixFileAttributeView.class)
            .setGroup(dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name));
        break;
      } catch (java.io.IOException | UnsupportedOperationException notHere) {
        // try the next one
      }
    }
    GroupPrincipal group = Files.readAttributes(file(), PosixFileAttributes.class).group();

    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    store.flush();
    assertThat(store.claimAlert("alice", "0.8", T0, null)).isTrue();

    assertThat(Files.readString(file())).contains("\"current_cost\" : 1");
    for (Path p : new Path[] {file(), lock, claims}) {
      assertThat(Files.getPosixFilePermissions(p)).as(p.toString()).isEqualTo(groupShared);
      assertThat(Files.readAttributes(p, PosixFileAttributes.class).group()).as(p + " (was " + before + ")").isEqualTo(group);
    }
  }

  /** The lock file a store creates at open already has the data file's mode: another user's JVM can lock before any write. */
  @Test
  void theLockFileCreatedAtOpenHasTheDataFilesModeBeforeAnyWrite() throws Exception {
    assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
    Path shared = dir.resolve("open/user_cost.json");
    Files.createDirectories(shared.getParent());
    Files.writeString(shared, "{}");
    Set<PosixFilePermission> groupShared = PosixFilePermissions.fromString("rw-rw----");
    Files.setPosixFilePermissions(shared, groupShared);

    try (LocalFileStore s = openQuiet(shared)) {
      assertThat(Files.getPosixFilePermissions(shared.resolveSibling(".user_cost.json.lock"))).isEqualTo(groupShared);
    }
  }

  /**
   * With eviction on, the flush thread both writes charges and sweeps: a user idle for a sweep
   * interval is evicted without anyone asking, and one used since is not evicted before it.
   */
  @Test
  void theFlushThreadOfAnEvictingStoreWritesChargesAndEvictsIdleUsersOnItsOwn() throws Exception {
    EvictionTest.HandClock clock = new EvictionTest.HandClock();
    clock.now = T0;
    long threadsBefore = EvictionReviewTest.sweepThreads();
    try (LocalFileStore s = new LocalFileStore(file(), ZoneOffset.UTC, Duration.ofMillis(20), Duration.ofMinutes(1), clock)) {
      assertThat(EvictionReviewTest.sweepThreads()).isEqualTo(threadsBefore + 1);
      s.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!(Files.exists(file()) && Files.readString(file()).contains("\"current_cost\" : 1"))
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(Files.exists(file()) ? Files.readString(file()) : "(no file)").contains("\"current_cost\" : 1");

      while (s.ledger.evictedCount() == 0 && System.nanoTime() < deadline) {
        clock.now = clock.now.plus(Duration.ofMinutes(1)); // a sweep marks alice, the next evicts her
        Thread.sleep(60);
      }
      assertThat(s.ledger.evictedCount()).isEqualTo(1);

      s.charge(keys("bob"), DOLLAR, "gpt-4o", clock.now);
      while (!Files.readString(file()).contains("\"bob\"") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(Files.readString(file())).as("written with no sweep due").contains("\"bob\"");
      Thread.sleep(200); // ten flush intervals, no time passing on the store's clock
      assertThat(s.evictIdle()).as("no sweep is due before a sweep interval passes").isZero();
      assertThat(s.ledger.evictedCount()).isEqualTo(1);
      assertThat(s.snapshot("alice", clock.now).orElseThrow().currentCost()).isEqualByComparingTo("1");
    }
    assertThat(EvictionReviewTest.sweepThreads()).as("close() ends the store's flush thread").isEqualTo(threadsBefore);
  }

  /** Issue 12 item 7: the lock file is hidden; one left by llm-budget 0.1 is still honoured. */
  @Test
  void theLockFileIsHiddenAndAnOldLockFileIsStillHonoured() throws Exception {
    store.putBudget("alice", usd("10"), null, T0);
    store.flush();
    assertThat(dir.resolve(".user_cost.json.lock")).exists();
    assertThat(dir.resolve("user_cost.json.lock")).doesNotExist();

    Path legacy = dir.resolve("user_cost.json.lock");
    Files.createFile(legacy);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    // An old JVM holding the old lock: another process, as a JVM cannot lock one file twice.
    Path holder = Files.writeString(dir.resolve("Hold.java"), "public class Hold { public static void main(String[] a)"
        + " throws Exception { try (var ch = java.nio.channels.FileChannel.open(java.nio.file.Path.of(a[0]),"
        + " java.nio.file.StandardOpenOption.WRITE); var l = ch.lock()) { System.out.println(\"LOCKED\");"
        + " System.out.flush(); System.in.read(); } } }");
    String java = ProcessHandle.current().info().command().orElse("java");
    Process old = new ProcessBuilder(java, holder.toString(), legacy.toString()).redirectErrorStream(true).start();
    try {
      assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(old.getInputStream())).readLine()).isEqualTo("LOCKED");
      Future<?> flush = Executors.newSingleThreadExecutor().submit(store::flush);
      Thread.sleep(500);
      assertThat(flush).as("a flush waits for the old lock's holder").isNotDone();
      old.getOutputStream().close();
      flush.get(10, TimeUnit.SECONDS);
    } finally {
      old.destroyForcibly();
    }
    assertThat(Files.readString(file())).contains("\"current_cost\" : 1");
  }

  @Test
  void theBackgroundThreadFlushesChargesWithoutAnExplicitFlush() throws Exception {
    store.charge(keys("alice"), 3 * DOLLAR, "gpt-4o", T0);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String text = "";
    while (System.nanoTime() < deadline && !text.contains("\"current_cost\" : 3")) {
      Thread.sleep(20);
      text = Files.exists(file()) ? Files.readString(file()) : "";
    }
    assertThat(text).contains("\"current_cost\" : 3");
    assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().equals("llm-budget-flush") && t.isDaemon());
  }

  @Test
  void twoStoresOnOneFileConcurrentlyLoseNoCharges() throws Exception {
    store.putBudget("alice", usd("1000"), BudgetDuration.DAILY, T0);
    store.flush();
    LocalFileStore other = open(file());
    int threadsPerStore = 4;
    int charges = 2_000;
    long cost = Picodollars.of(usd("0.0001"));
    ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerStore);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try {
      for (BudgetStore s : List.of(store, other)) {
        for (int t = 0; t < threadsPerStore; t++) {
          String model = "model-" + t;
          done.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < charges; i++) {
              s.charge(keys("alice", BudgetStore.GLOBAL_KEY), cost, model, T0);
              if (i % 500 == 0) {
                s.flush();
              }
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    other.close();
    store.close();

    store = open(file());
    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    long expected = 2L * threadsPerStore * charges * cost;
    assertThat(Picodollars.of(alice.currentCost())).isEqualTo(expected);
    assertThat(Picodollars.of(store.snapshot(BudgetStore.GLOBAL_KEY, T0).orElseThrow().currentCost())).isEqualTo(expected);
    assertThat(alice.modelCost().get("model-0")).isEqualByComparingTo(Picodollars.toDollars(2L * charges * cost));
  }

  @Test
  void anotherJvmsNewBudgetsChangedTermsAndResetsAreAdopted() {
    store.putBudget("alice", usd("10"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("alice"), 4 * DOLLAR, "gpt-4o", T0);
    store.flush();
    try (LocalFileStore other = open(file())) {
      other.putBudget("alice", usd("20"), BudgetDuration.MONTHLY, T0);
      other.putBudget("bob", usd("3"), null, T0);
      other.resetCost("alice", T0.plusSeconds(60));
      other.charge(keys("alice"), DOLLAR, "gpt-4o", T0.plusSeconds(60));
    }

    store.flush();

    BudgetSnapshot alice = store.snapshot("alice", T0.plusSeconds(60)).orElseThrow();
    assertThat(alice.totalBudget()).isEqualByComparingTo("20");
    assertThat(alice.currentCost()).isEqualByComparingTo("1");
    assertThat(alice.periodStart()).isEqualTo(T0.plusSeconds(60));
    assertThat(store.snapshot("bob", T0).orElseThrow().totalBudget()).isEqualByComparingTo("3");
  }

  @Test
  void aBudgetTwoJvmsCreatedBeforeEitherFlushedAddsUpBothSpends() {
    LocalFileStore other = open(file());
    store.putBudgetIfAbsent("alice", usd("10"), null, T0);
    other.putBudgetIfAbsent("alice", usd("10"), null, T0.plusSeconds(5));
    store.charge(keys("alice"), 2 * DOLLAR, "gpt-4o", T0);
    other.charge(keys("alice"), 3 * DOLLAR, "gpt-4o", T0);

    store.flush();
    other.flush();
    store.flush();
    other.close();

    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("5");
    assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("5");
    assertThat(alice.periodStart()).isEqualTo(T0);
  }

  @Test
  void chargesFromAnotherJvmAreSeenAfterAFlushAndEnforced() {
    // A store that flushes only when told: with the 50 ms background flush, a slow run (PIT's
    // coverage pass, a loaded machine) merged the other JVM's spend before the first reserve below.
    store.close();
    store = openQuiet(file());
    store.putBudget("alice", usd("5"), null, T0);
    store.flush();
    try (LocalFileStore other = open(file())) {
      other.charge(keys("alice"), 5 * DOLLAR, "gpt-4o", T0);
    }
    long id = store.newReservationId();
    assertThat(store.reserve(id, keys("alice"), DOLLAR, T0, T0.plus(LEASE)).isOk()).isTrue();
    store.settle(id, 0, null, T0);

    store.flush();

    assertThat(reserve(keys("alice"), DOLLAR, T0).isOk()).isFalse();
    assertThat(store.snapshot("alice", T0).orElseThrow().currentCost()).isEqualByComparingTo("5");
  }

  @ParameterizedTest
  @ValueSource(strings = {"1700000000.123456789", "-1000000.5", "100000000000.25", "-30000000000"})
  void creationTimesNearAndFarKeepEveryDigitThroughAReload(String createdAt) throws Exception {
    Files.writeString(file(), "{\"alice\": {\"total_budget\": 5, \"current_cost\": 1, \"created_at\": " + createdAt
        + ", \"last_updated_at\": 1700000000}}");
    java.math.BigDecimal seconds = new java.math.BigDecimal(createdAt);
    long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
    Instant expected = Instant.ofEpochSecond(whole,
        seconds.subtract(java.math.BigDecimal.valueOf(whole)).movePointRight(9).longValueExact());
    try (LocalFileStore first = openQuiet(file())) {
      assertThat(first.snapshot("alice", T0).orElseThrow().createdAt()).isEqualTo(expected);
      first.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    }
    try (LocalFileStore reopened = openQuiet(file())) {
      BudgetSnapshot alice = reopened.snapshot("alice", T0).orElseThrow();
      assertThat(alice.createdAt()).isEqualTo(expected);
      assertThat(alice.currentCost()).isEqualByComparingTo("2");
    }
  }

  /** The flush thread waits at least 125 ns a byte of file: a second per 8 MB, 3.35 s for 100,000 users. */
  @Test
  void theFlushThreadIsPacedByTheFilesSize() throws Exception {
    try (LocalFileStore quiet = openQuiet(dir.resolve("paced.json"))) {
      for (int i = 0; i < 200; i++) {
        quiet.putBudget("user-" + i, usd("5"), BudgetDuration.MONTHLY, T0);
        quiet.charge(keys("user-" + i), DOLLAR, "gpt-4o", T0);
      }

      long waitNanos = quiet.flushAndPace();

      long size = Files.size(dir.resolve("paced.json"));
      assertThat(size).isGreaterThan(40_000);
      assertThat(waitNanos).isEqualTo(size * LocalFileStore.PACE_NANOS_PER_BYTE);
      assertThat(Duration.ofNanos(8_000_000 * LocalFileStore.PACE_NANOS_PER_BYTE)).isEqualTo(Duration.ofSeconds(1));
    }
  }

  @Test
  void anotherWritersChangeThatKeepsTheFilesLengthIsStillMerged() throws Exception {
    store.putBudget("alice", usd("10"), null, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    store.flush();
    byte[] ours = Files.readAllBytes(file());
    // Another writer's charge that turns $1 into $3: the same number of bytes, other content.
    String theirs = new String(ours, java.nio.charset.StandardCharsets.UTF_8)
        .replace("\"current_cost\" : 1,", "\"current_cost\" : 3,").replace("\"gpt-4o\" : 1", "\"gpt-4o\" : 3");
    assertThat(theirs).isNotEqualTo(new String(ours, java.nio.charset.StandardCharsets.UTF_8));
    Files.writeString(dir.resolve("other.tmp"), theirs);
    Files.move(dir.resolve("other.tmp"), file(), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(file())).isEqualTo(ours.length);

    store.flush();

    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("3");
    assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("3");
  }

  @Test
  void aFlushWithNothingChangedByOthersStillWritesOurCharges() {
    store.putBudget("alice", usd("10"), null, T0);
    store.flush();
    for (int i = 0; i < 3; i++) {
      store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
      store.flush();
    }

    try (LocalFileStore reopened = openQuiet(file())) {
      BudgetSnapshot alice = reopened.snapshot("alice", T0).orElseThrow();
      assertThat(alice.currentCost()).isEqualByComparingTo("3");
      assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("3");
    }
  }

  @Test
  void anotherJvmsChargesInTheSamePeriodAreAddedOnceAsADeltaPerModel() {
    store.putBudget("alice", usd("10"), null, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    store.flush();
    try (LocalFileStore other = open(file())) {
      other.charge(keys("alice"), 2 * DOLLAR, "gpt-4o", T0);
      other.charge(keys("alice"), DOLLAR / 2, "claude-3", T0);
    }

    store.flush();
    store.flush();

    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("3.5");
    assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("3");
    assertThat(alice.modelCost().get("claude-3")).isEqualByComparingTo("0.5");
  }

  @Test
  void chargesNotYetWrittenSurviveAnotherJvmsResetAndNothingElseDoes() {
    // only explicit flushes: a background flush between the two JVMs would change the story
    store.close();
    store = openQuiet(file());
    store.putBudget("alice", usd("10"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    store.flush();
    store.charge(keys("alice"), 2 * DOLLAR, "gpt-4o", T0);
    try (LocalFileStore other = open(file())) {
      other.resetCost("alice", T0.plusSeconds(60));
      other.charge(keys("alice"), DOLLAR / 2, "claude-3", T0.plusSeconds(60));
    }

    store.flush();

    BudgetSnapshot alice = store.snapshot("alice", T0.plusSeconds(60)).orElseThrow();
    assertThat(alice.periodStart()).isEqualTo(T0.plusSeconds(60));
    assertThat(alice.currentCost()).isEqualByComparingTo("2.5");
    assertThat(alice.modelCost()).containsOnlyKeys("gpt-4o", "claude-3");
    assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("2");
    assertThat(alice.modelCost().get("claude-3")).isEqualByComparingTo("0.5");
  }

  @Test
  void anotherJvmsChargesWithoutAModelAreStillAdded() {
    store.putBudget("alice", usd("10"), null, T0);
    store.flush();
    try (LocalFileStore other = open(file())) {
      other.charge(keys("alice"), 2 * DOLLAR, null, T0);
    }

    store.flush();

    BudgetSnapshot alice = store.snapshot("alice", T0).orElseThrow();
    assertThat(alice.currentCost()).isEqualByComparingTo("2");
    assertThat(alice.modelCost()).isEmpty();
  }

  @Test
  void whenBothJvmsResetTheLaterResetWinsWithTheChargesMadeAfterOurs() {
    // only explicit flushes: a background flush between the two JVMs would change the story
    store.close();
    store = openQuiet(file());
    store.putBudget("alice", usd("10"), BudgetDuration.MONTHLY, T0);
    store.charge(keys("alice"), DOLLAR, "gpt-4o", T0);
    store.flush();
    store.resetCost("alice", T0.plusSeconds(30));
    store.charge(keys("alice"), 2 * DOLLAR, "gpt-4o", T0.plusSeconds(30));
    try (LocalFileStore other = open(file())) {
      other.resetCost("alice", T0.plusSeconds(60));
      other.charge(keys("alice"), DOLLAR / 2, "claude-3", T0.plusSeconds(60));
    }

    store.flush();

    BudgetSnapshot alice = store.snapshot("alice", T0.plusSeconds(60)).orElseThrow();
    assertThat(alice.periodStart()).isEqualTo(T0.plusSeconds(60));
    assertThat(alice.currentCost()).isEqualByComparingTo("2.5");
    assertThat(alice.modelCost().get("gpt-4o")).isEqualByComparingTo("2");
  }

  @Test
  void everyKindOfChangeReachesTheFileWithTheNextFlush() {
    store.putBudget("alice", usd("10"), null, T0);
    store.charge(keys("alice"), 4 * DOLLAR, "gpt-4o", T0);
    store.flush();

    store.putBudget("alice", usd("20"), BudgetDuration.MONTHLY, T0);
    store.flush();
    assertThat(fromFile("alice").totalBudget()).isEqualByComparingTo("20");
    assertThat(fromFile("alice").duration()).isEqualTo(BudgetDuration.MONTHLY);

    assertThat(store.putBudgetIfAbsent("bob", usd("3"), null, T0)).isTrue();
    store.flush();
    assertThat(fromFile("bob").totalBudget()).isEqualByComparingTo("3");

    store.resetCost("alice", T0.plusSeconds(60));
    store.flush();
    assertThat(fromFile("alice").currentCost()).isZero();
    assertThat(fromFile("alice").periodStart()).isEqualTo(T0.plusSeconds(60));

    long id = store.newReservationId();
    store.reserve(id, keys("alice"), DOLLAR, T0, T0.plus(LEASE));
    store.settle(id, DOLLAR / 4, "gpt-4o", T0);
    store.flush();
    assertThat(fromFile("alice").currentCost()).isEqualByComparingTo("0.25");
  }

  private BudgetSnapshot fromFile(String key) {
    try (LocalFileStore reader = open(file())) {
      return reader.snapshot(key, T0.plusSeconds(60)).orElseThrow();
    }
  }

  @Test
  void aBudgetAnotherJvmCreatedWithSpendIsImportedOnce() {
    store.flush();
    try (LocalFileStore other = open(file())) {
      other.putBudget("carol", usd("5"), null, T0);
      other.charge(keys("carol"), 2 * DOLLAR, "gpt-4o", T0);
    }

    store.flush();
    store.flush();

    assertThat(store.snapshot("carol", T0).orElseThrow().currentCost()).isEqualByComparingTo("2");
    assertThat(store.snapshot("carol", T0).orElseThrow().modelCost().get("gpt-4o")).isEqualByComparingTo("2");
  }

  private static List<BudgetSnapshot> snapshots(BudgetStore s) {
    return s.keys().stream().sorted().map(k -> s.snapshot(k, T0).orElseThrow()).toList();
  }
}
