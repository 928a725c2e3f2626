package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetManager;
import dev.llmbudget.Reservation;
import java.math.BigDecimal;

/**
 * An app that opens its own {@code BudgetManager} on PostgreSQL with the agent attached (the
 * agent's own store is another): {@code PostgresManagerApp <jdbcUrl> <user>} gives the user $1,
 * reserves $0.40, commits $0.25 and prints what the manager then sees.
 */
public final class PostgresManagerApp {

  public static void main(String[] args) {
    BudgetManager manager = new BudgetManager("library", "postgres", args[0]);
    String user = args[1];
    manager.createBudget(1.0, user, "daily");
    try (Reservation r = manager.reserve(user, new BigDecimal("0.40"))) {
      r.commit(new BigDecimal("0.25"), "gpt-4o");
    }
    System.out.println("COST " + manager.getCurrentCost(user).toPlainString());
    System.out.println("MODELS " + manager.getModelCost(user).keySet());
    System.out.println("LOADER " + (BudgetManager.class.getClassLoader() == null ? "bootstrap" : "app"));
  }
}
