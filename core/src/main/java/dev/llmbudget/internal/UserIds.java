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
    }
    if (BudgetStore.GLOBAL_KEY.equals(user)) {
      return "'" + BudgetStore.GLOBAL_KEY + "' names the global budget, not a user; use GlobalBudget";
    }
    return null;
  }
}
