/**
 * Spring AI (1.x and 2.x): advice on {@code call(Prompt)} and {@code stream(Prompt)} of the
 * provider chat models in {@code org.springframework.ai.*}. Before the call it reserves the
 * prompt's worst-case cost (a refused {@code stream} returns a {@code Flux} that fails with the
 * budget error); after, it charges the usage the {@code ChatResponse} reports, and for a stream the
 * usage its chunks report, or an estimate from the text received when the subscriber cancels
 * early. A model whose calls go through an SDK client the agent meters itself (Spring AI 2.x's
 * OpenAI and Anthropic models) is left alone, so each call is charged once. Spring AI and Reactor
 * are reached by reflection only: this code lives in the bootstrap loader.
 */
package dev.llmbudget.agent.instrumentation.springai;
