package dev.llmbudget.agent.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One command's arguments: positionals, {@code --name value} / {@code --name=value} options and
 * {@code --flag}s. Hand-written rather than picocli: six commands with a dozen options do not
 * justify a relocated dependency in a jar every application loads as its agent.
 */
final class CommandLine {

  private final String command;
  private final List<String> positionals = new ArrayList<>();
  private final Map<String, String> options = new LinkedHashMap<>();

  private CommandLine(String command) {
    this.command = command;
  }

  /**
   * Parses {@code args} for {@code command}, which takes the options in {@code valued} (with a
   * value) and {@code flags} (without).
   *
   * @throws UsageException naming an unknown option or one that lacks its value
   */
  static CommandLine parse(String command, List<String> args, Set<String> valued, Set<String> flags) {
    CommandLine cl = new CommandLine(command);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        cl.positionals.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (!a.startsWith("--") || a.length() == 2) {
        if (a.equals("-h")) {
          cl.options.put("help", "true");
        } else {
          cl.positionals.add(a);
        }
        continue;
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (flags.contains(name)) {
        if (value != null) {
          throw new UsageException("option --" + name + " of '" + command + "' takes no value");
        }
        cl.options.put(name, "true");
      } else if (valued.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.size()) {
            throw new UsageException("option --" + name + " of '" + command + "' needs a value");
          }
          value = args.get(++i);
        }
        cl.options.put(name, value);
      } else {
        Set<String> known = new TreeSet<>(valued);
        known.addAll(flags);
        throw new UsageException("unknown option --" + name + " for '" + command + "'; its options: --"
            + String.join(", --", known));
      }
    }
    return cl;
  }

  String command() {
    return command;
  }

  List<String> positionals() {
    return positionals;
  }

  boolean flag(String name) {
    return options.containsKey(name);
  }

  /** The option's value, or null when it was not given. */
  String option(String name) {
    return options.get(name);
  }

  /** Exactly {@code n} positionals, named in {@code usage} for the error. */
  List<String> requirePositionals(int n, String usage) {
    if (positionals.size() != n) {
      throw new UsageException("'" + command + "' takes " + (n == 0 ? "no arguments" : n == 1 ? "one argument" : n + " arguments")
          + (positionals.isEmpty() ? "" : ", got " + positionals) + "; usage: " + usage);
    }
    return positionals;
  }
}
