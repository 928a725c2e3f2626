package dev.llmbudget.internal;

import dev.llmbudget.store.BudgetStore;

/**
 * What a user id may be. Ids come from request headers and user names, so one must not be able to
 * name an internal budget ({@link BudgetStore#GLOBAL_KEY}), nor be blank, huge or carry control
 * characters into logs and the store file. Ids already in a store file are loaded as they are.
 */
public final class UserIds {

  /** The longest id accepted, in chars. */
  public static final int MAX_LENGTH = 256;

  private UserIds() {}

  /**
   * {@code user} if it is a usable id.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static String check(String user) {
    String problem = problem(user);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return user;
  }

  /** What is wrong with {@code user} as an id, or {@code null} when nothing is. */
  public static String problem(String user) {
    if (user == null || user.isBlank()) {
      return "user must be a non-blank id, was " + (user == null ? "null" : "'" + user + "'");
    }
    if (user.length() > MAX_LENGTH) {
      return "user id is " + user.length() + " characters long; at most " + MAX_LENGTH + " are allowed";
    }
    for (int i = 0; i < user.length(); i++) {
      char c = user.charAt(i);
      if (Character.isISOControl(c)) {
        return "user id contains the control character U+" + String.format("%04X", (int) c) + " at index " + i;
      }
      if (Character.isSurrogate(c)) {
        // a lone half of a pair (a cut emoji) has no UTF-8 form: the local file could not be read back
        if (Character.isHighSurrogate(c) && i + 1 < user.length() && Character.isLowSurrogate(user.charAt(i + 1))) {
          i++;
        } else {
          return "user id contains a lone surrogate U+" + String.format("%04X", (int) c) + " at index " + i
              + " (half of a character, e.g. a cut emoji)";
        }
      }
    }
    if (BudgetStore.GLOBAL_KEY.equals(user)) {
      return "'" + BudgetStore.GLOBAL_KEY + "' names the global budget, not a user; use GlobalBudget";
    }
    return null;
  }

  /**
   * The budgets {@code keys} name, for a log line: {@code the global budget and user 'alice'}, not
   * {@code [$global, alice]}.
   */
  public static String describe(String[] keys) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < keys.length; i++) {
      if (i > 0) {
        sb.append(i == keys.length - 1 ? " and " : ", ");
      }
      sb.append(BudgetStore.GLOBAL_KEY.equals(keys[i]) ? "the global budget" : "user '" + keys[i] + "'");
    }
    return sb.length() == 0 ? "no budget" : sb.toString();
  }

  /** {@code d} as an operator writes it in a setting: {@code 10m}, {@code 90s}, {@code 1h30m}, {@code 250ms}. */
  public static String describe(java.time.Duration d) {
    if (d.isZero() || d.isNegative()) {
      return d.toMillis() + "ms";
    }
    StringBuilder sb = new StringBuilder();
    long h = d.toHours();
    int m = d.toMinutesPart();
    int s = d.toSecondsPart();
    int ms = d.toMillisPart();
    if (h > 0) {
      sb.append(h).append('h');
    }
    if (m > 0) {
      sb.append(m).append('m');
    }
    if (s > 0) {
      sb.append(s).append('s');
    }
    if (ms > 0 || sb.length() == 0) {
      sb.append(ms).append("ms");
    }
    return sb.toString();
  }
}
