package dev.llmbudget.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free loopback port, for tests: the Linux binary that
 * {@code com.github.codemonstur:embedded-redis} ships in Maven Central, else {@code redis-server}
 * from PATH. It can be stopped and started again on the same port, keeping its data (an append-only
 * file in its own directory) or losing it, to play an outage.
 */
public final class RedisServer implements AutoCloseable {

  /** The binary inside the embedded-redis jar for x86-64 Linux. */
  private static final String BUNDLED = "/redis-server-6.2.6-v5-linux-amd64";

  private final Path dir;
  private final int port;
  private final List<String> extraArgs;
  private Process process;

  private RedisServer(Path dir, int port, List<String> extraArgs) {
    this.dir = dir;
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** Starts a server on a free loopback port, with an append-only file fsynced every second. */
  public static RedisServer start() throws IOException {
    return start(List.of());
  }

  /** As {@link #start()}, with more {@code redis-server} arguments, e.g. {@code --cluster-enabled yes}. */
  public static RedisServer start(List<String> extraArgs) throws IOException {
    RedisServer s = new RedisServer(Files.createTempDirectory("llmbudget-redis"), freePort(), List.copyOf(extraArgs));
    s.startProcess();
    return s;
  }

  /**
   * The Redis a test suite should use: {@code LLMBUDGET_IT_REDIS_URL} when set (an external server,
   * which the suite must not stop), else null, and the suite starts its own with {@link #start()}.
   */
  public static String externalUrl() {
    String url = System.getenv("LLMBUDGET_IT_REDIS_URL");
    return url == null || url.isBlank() ? null : url.trim();
  }

  /** {@code redis://127.0.0.1:<port>/0}. */
  public String url() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public int port() {
    return port;
  }

  /** Kills the server at once ({@code SIGKILL}), as a crash or a network cut would look to clients. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Stops the server as an operator would ({@code SHUTDOWN}): its append-only file keeps every write. */
  public void stop() throws IOException, InterruptedException {
    if (process != null) {
      try {
        command("SHUTDOWN");
      } catch (IOException closedAsItStopped) {
        // the server closes the connection instead of answering
      }
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        throw new IOException("redis-server did not stop within 20s");
      }
      process = null;
    }
  }

  /** Starts a stopped server again on the same port; with {@code keepData} false, whatever it held is gone. */
  public void restart(boolean keepData) throws IOException, InterruptedException {
    stop();
    if (!keepData) {
      try (var files = Files.list(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          deleteTree(p);
        }
      }
    }
    startProcess();
  }

  /** Sends one inline command (e.g. {@code FLUSHALL}) and returns the raw reply. */
  public String command(String inline) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      byte[] buf = new byte[65536];
      int n = s.getInputStream().read(buf);
      return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() throws InterruptedException {
    kill();
    try {
      deleteTree(dir);
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }

  private void startProcess() throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary().toString());
    cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
        "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--protected-mode", "no"));
    cmd.addAll(extraArgs);
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile()).start();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with " + process.exitValue() + ": "
            + Files.readString(dir.resolve("redis.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        if (command("PING").startsWith("+PONG")) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while redis-server started", e);
      }
    }
    throw new IOException("redis-server did not answer on 127.0.0.1:" + port + " within 20s");
  }

  private static volatile Path binary;

  private static synchronized Path binary() throws IOException {
    if (binary != null) {
      return binary;
    }
    String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
    String arch = System.getProperty("os.arch", "");
    try (InputStream in = RedisServer.class.getResourceAsStream(BUNDLED)) {
      if (in != null && os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))) {
        Path dir = Files.createTempDirectory("llmbudget-redis-bin");
        Path bin = dir.resolve("redis-server");
        Files.copy(in, bin, StandardCopyOption.REPLACE_EXISTING);
        if (!bin.toFile().setExecutable(true)) {
          throw new IOException("cannot make " + bin + " executable");
        }
        binary = bin;
        return bin;
      }
    }
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path p = Path.of(d, "redis-server");
      if (Files.isExecutable(p)) {
        binary = p;
        return p;
      }
    }
    throw new IOException("no redis-server: neither the embedded-redis binary for this platform ("
        + os + "/" + arch + ") nor redis-server on PATH");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p)) {
      try (var children = Files.list(p)) {
        for (Path c : (Iterable<Path>) children::iterator) {
          deleteTree(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
