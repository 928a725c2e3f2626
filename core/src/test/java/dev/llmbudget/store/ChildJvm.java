package dev.llmbudget.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Runs {@link StoreChild} in a real second JVM on this test's class path and collects its stdout lines. */
final class ChildJvm implements AutoCloseable {

  private static final String EOF = "\u0000eof";

  final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  ChildJvm(String... args) throws IOException {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        StoreChild.class.getName()));
    command.addAll(List.of(args));
    process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException e) {
        // the child was killed mid-line; what was read is kept
      } finally {
        lines.add(EOF);
      }
    }, "child-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** The next line, or {@code null} at end of output or after {@code timeoutMillis}. */
  String nextLine(long timeoutMillis) throws InterruptedException {
    String line = lines.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    return line == null || line.equals(EOF) ? null : line;
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
