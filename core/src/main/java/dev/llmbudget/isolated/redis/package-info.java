/**
 * The {@code redis} store: budgets of a project shared by a fleet of JVMs through one Redis (or a
 * Redis Cluster), each reserve, settle and charge one Lua script over the project's keys, which a
 * {@code {project}} hash tag keeps in one slot. Isolated (see {@link dev.llmbudget.isolated}): the
 * agent carries Jedis relocated under {@code dev.llmbudget.isolated.shaded}.
 */
package dev.llmbudget.isolated.redis;
