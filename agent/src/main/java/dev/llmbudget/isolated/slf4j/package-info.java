/**
 * An SLF4J provider for the client libraries the agent carries relocated in its isolated tier
 * (HikariCP for the postgres store): without one, SLF4J (kept unrelocated in the isolated tier, invisible to the host) prints "No SLF4J providers were found"
 * to the host's stderr. It routes warnings and errors, once per message, to llm-budget's own log
 * and drops the rest, so the agent adds no output to the host. The service file that names it
 * exists only in the agent jar: used as a library, those clients log through the host's SLF4J.
 */
package dev.llmbudget.isolated.slf4j;
