/**
 * The {@code postgres} store: budgets, reservations and an append-only ledger of every charge in
 * PostgreSQL, exact across a fleet of JVMs. Each operation is one short transaction that locks the
 * budget rows it touches in key order; reserve and settle are one server-side function call each
 * (one round trip). Isolated (see {@link dev.llmbudget.isolated}): it uses
 * {@code java.sql}, the PostgreSQL JDBC driver and HikariCP. The tables are in docs/postgres.md.
 */
package dev.llmbudget.isolated.postgres;
