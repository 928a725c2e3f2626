package dev.llmbudget.agent.instrumentation.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import dev.llmbudget.agent.instrumentation.FakeShapes;
import org.junit.jupiter.api.Test;

/**
 * The usage of a LangChain4j answer, read by name from objects shaped as langchain4j-open-ai's
 * (a {@code ChatResponse} whose {@code metadata()} is an {@code OpenAiChatResponseMetadata} with
 * {@code serviceTier()}, as in 1.19 and later); this module has no LangChain4j jar to link against.
 */
class ChatRequestsTest {

  private static Object answer(String tier) {
    Object tokens = FakeShapes.shape("dev.example.TokenUsage").returning("inputTokenCount", 20)
        .returning("outputTokenCount", 10).build();
    FakeShapes.Shape metadata = FakeShapes.shape("dev.example.OpenAiChatResponseMetadata" + (tier == null ? "Old" : ""))
        .returning("modelName", "gpt-5");
    if (tier != null) {
      metadata.returning("serviceTier", tier);
    }
    return FakeShapes.shape("dev.example.ChatResponse" + (tier == null ? "Old" : "")).returning("tokenUsage", tokens)
        .returning("metadata", metadata.build()).build();
  }

  @Test
  void theServiceTierOfAnOpenAiAnswerPricesItAndAnOlderMetadataWithoutOneIsStandard() throws Throwable {
    Usage priority = ChatRequests.usage(new Object(), answer("priority"), "gpt-5");
    assertThat(priority).isEqualTo(new Usage("gpt-5", 20, 10, 0, 0, 0, 0, false, "priority"));

    assertThat(ChatRequests.usage(new Object(), answer(null), "gpt-5").serviceTier()).isNull();
  }

  @Test
  void theServiceTierARequestOrItsModelsDefaultsAskForIsRead() throws Throwable {
    Object params = FakeShapes.shape("dev.example.OpenAiChatRequestParameters").returning("modelName", "gpt-5")
        .returning("maxOutputTokens", 50).returning("serviceTier", "priority").build();
    Object request = FakeShapes.shape("dev.example.ChatRequest").returning("parameters", params)
        .returning("messages", java.util.List.of()).build();
    ChatRequests.Request read = ChatRequests.read(new Object(), request);
    assertThat(read.serviceTier).isEqualTo("priority");
    assertThat(read.maxOutputTokens).isEqualTo(50);

    // unset on the request: the model's defaults, as LangChain4j merges them
    Object bare = FakeShapes.shape("dev.example.OpenAiChatRequestParameters").returning("modelName", "gpt-5")
        .returning("maxOutputTokens", 50).returning("serviceTier", null).build();
    Object defaults = FakeShapes.shape("dev.example.OpenAiChatRequestParameters").returning("serviceTier", "FLEX")
        .build();
    Object model = FakeShapes.shape("dev.example.OpenAiChatModel").returning("defaultRequestParameters", defaults)
        .build();
    Object plain = FakeShapes.shape("dev.example.ChatRequest").returning("parameters", bare)
        .returning("messages", java.util.List.of()).build();
    assertThat(ChatRequests.read(model, plain).serviceTier).isEqualTo("flex");
    assertThat(ChatRequests.read(new Object(), plain).serviceTier).isNull();
  }

  /**
   * A user message's {@code AudioContent}, {@code VideoContent} and {@code PdfFileContent} (their
   * {@code type()} is {@code ContentType.AUDIO}, {@code VIDEO}, {@code PDF}) are file parts; an
   * {@code ImageContent} is an image, a {@code TextContent} neither.
   */
  @Test
  void audioVideoAndPdfContentsAreFileParts() throws Throwable {
    java.util.List<Object> contents = new java.util.ArrayList<>();
    for (String type : new String[] {"TEXT", "IMAGE", "AUDIO", "VIDEO", "PDF", "PDF"}) {
      contents.add(FakeShapes.shape("dev.example.Content" + type).returning("type", type).build());
    }
    Object message = FakeShapes.shape("dev.example.UserMessage").returning("contents", contents).build();
    Object params = FakeShapes.shape("dev.example.ChatRequestParameters").returning("modelName", "gpt-4o-mini")
        .returning("maxOutputTokens", 50).build();
    Object request = FakeShapes.shape("dev.example.ChatRequest").returning("parameters", params)
        .returning("messages", java.util.List.of(message)).build();
    ChatRequests.Request read = ChatRequests.read(new Object(), request);
    assertThat(read.mediaParts()).isEqualTo(4);
    assertThat(read.images()).isEqualTo(1);
  }
}
