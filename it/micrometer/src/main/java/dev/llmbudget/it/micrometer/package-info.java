/** A Spring Boot app with Actuator and the Prometheus registry that knows nothing of llm-budget, for ActuatorPrometheusIT. */
package dev.llmbudget.it.micrometer;
