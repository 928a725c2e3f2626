package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;

/**
 * One of several JVMs sharing a local store: {@code IdleApp <store file> <jvms> <idle ms>} charges
 * once, waits until every JVM has, lets the flushes settle, then stays idle and prints
 * {@code IDLE unchanged} or {@code IDLE rewritten} for the store file over that time.
 */
public final class IdleApp {

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int jvms = Integer.parseInt(args[1]);
    long idleMillis = Long.parseLong(args[2]);
    BudgetManager manager = BudgetManager.configured();
    manager.updateCost("user-" + ProcessHandle.current().pid(), "gpt-4o-mini", "hello", "world");
    manager.saveData();
    Files.createFile(file.resolveSibling("ready-" + ProcessHandle.current().pid()));
    long deadline = System.currentTimeMillis() + 60_000;
    while (ready(file) < jvms) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("the other JVMs never charged: " + ready(file) + " of " + jvms + " ready");
      }
      Thread.sleep(20);
    }
    Thread.sleep(1_000);
    List<Object> before = stamp(file);
    Thread.sleep(idleMillis);
    List<Object> after = stamp(file);
    System.out.println("IDLE " + (before.equals(after) ? "unchanged" : "rewritten " + before + " -> " + after));
  }

  private static long ready(Path file) throws Exception {
    try (Stream<Path> s = Files.list(file.getParent())) {
      return s.filter(p -> p.getFileName().toString().startsWith("ready-")).count();
    }
  }

  private static List<Object> stamp(Path file) throws Exception {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return List.of(a.fileKey(), a.lastModifiedTime());
  }
}
