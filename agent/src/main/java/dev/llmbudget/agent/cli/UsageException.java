package dev.llmbudget.agent.cli;

/** A command line the CLI cannot run: exit code 1, with a message that names the problem. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
