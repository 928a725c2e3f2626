package dev.llmbudget.agent.it;

import dev.llmbudget.BudgetManager;

/**
 * An app that uses its own {@link BudgetManager} on the configured store, with the agent attached:
 * {@code ManagerApp <user> <dollars>} gives the user a budget, saves, and prints what it sees.
 */
public final class ManagerApp {

  public static void main(String[] args) {
    BudgetManager manager = BudgetManager.configured();
    manager.createBudget(Double.parseDouble(args[1]), args[0], "daily");
    manager.saveData();
    System.out.println("MANAGER users=" + manager.getUsers() + " budget=" + manager.getTotalBudget(args[0]).toPlainString()
        + " loader=" + (BudgetManager.class.getClassLoader() == null ? "bootstrap" : "app"));
  }
}
