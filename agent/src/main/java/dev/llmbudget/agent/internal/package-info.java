/**
 * Start-up: configuration, the class-file transformer that hands the SDK seam classes to their
 * weaver, and the warm-up of price table and store. Everything here runs in the bootstrap class
 * loader. A plain transformer rather than Byte Buddy's AgentBuilder keeps start-up to tens of
 * milliseconds and loads no Byte Buddy class until an SDK class is loaded.
 */
package dev.llmbudget.agent.internal;
