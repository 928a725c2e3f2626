/**
 * LangChain4j 1.x: advice on {@code ChatModel.chat(ChatRequest)} and {@code
 * StreamingChatModel.chat(ChatRequest, StreamingChatResponseHandler)}, the interface methods every
 * provider module's calls pass through (and on the few provider classes that override them), so
 * one seam covers OpenAI, Anthropic, Ollama and any other provider. Before the call it reserves
 * the request's worst-case cost; after, it charges the {@code ChatResponse}'s token usage, or, for
 * a stream that stops early, an estimate of the text received. A model whose client the agent
 * already meters lower down (LangChain4j's "official OpenAI" module on openai-java) is left to that
 * seam, so a call is charged once. Nothing here links against LangChain4j.
 */
package dev.llmbudget.agent.instrumentation.langchain4j;
