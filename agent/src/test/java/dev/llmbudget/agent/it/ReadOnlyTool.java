package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetManager;

/** An admin tool without the agent that only lists the users of the default store, as ops scripts do. */
public final class ReadOnlyTool {

  public static void main(String[] args) {
    System.out.println("USERS " + new BudgetManager("default").getUsers());
  }
}
