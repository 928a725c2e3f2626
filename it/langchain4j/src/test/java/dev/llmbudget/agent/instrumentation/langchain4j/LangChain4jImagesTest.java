package dev.llmbudget.agent.instrumentation.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.PdfFileContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import org.junit.jupiter.api.Test;

/**
 * What the LangChain4j seam reads of a real multimodal {@code ChatRequest}, built as an application
 * builds it: {@code ImageContent}s are counted with their detail level, a PDF, audio or video is a
 * file part.
 */
class LangChain4jImagesTest {

  @Test
  void imageContentsOfARealRequestAreCountedWithTheirDetail() throws Throwable {
    ChatRequest request = ChatRequest.builder().modelName("gpt-4o").maxOutputTokens(100).messages(
        SystemMessage.from("Be brief."),
        UserMessage.from(TextContent.from("Which of these is red?"),
            ImageContent.from("https://example.com/a.png", ImageContent.DetailLevel.LOW),
            ImageContent.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB", "image/png", ImageContent.DetailLevel.HIGH),
            PdfFileContent.from("JVBERi0xLjQ=", "application/pdf"),
            dev.langchain4j.data.message.AudioContent.from("UklGRiQAAABXQVZF", "audio/wav"),
            dev.langchain4j.data.message.VideoContent.from("https://example.com/clip.mp4")))
        .build();

    ChatRequests.Request read = ChatRequests.read(null, request);
    assertThat(read.images).isEqualTo(2);
    assertThat(read.lowDetailImages).isEqualTo(1);
    assertThat(read.mediaParts()).as("the PDF, the audio and the video: file parts").isEqualTo(3);
    assertThat(read.prompt.toString()).isEqualTo("Be brief.\nWhich of these is red?\n");
    // what the engine reads of it, as a CallRequest: what was read, one answer, the prompt's byte bound
    dev.llmbudget.internal.CallRequest call = read;
    assertThat(call.model()).isEqualTo("gpt-4o");
    assertThat(call.maxOutputTokens()).isEqualTo(100);
    assertThat(call.messageCount()).isEqualTo(read.messageCount).isPositive();
    assertThat(call.images()).isEqualTo(2);
    assertThat(call.lowDetailImages()).isEqualTo(1);
    assertThat(call.originalDetailImages()).isZero();
    assertThat(call.choices()).isEqualTo(1);
    assertThat(call.promptBound()).isEqualTo("Be brief.\nWhich of these is red?\n".length());
    assertThat(call.serviceTier()).isNull();
    // LangChain4j's own default detail is LOW, which its OpenAI module sends as "low"
    assertThat(ChatRequests.read(null, ChatRequest.builder().modelName("gpt-4o").maxOutputTokens(10)
        .messages(UserMessage.from(ImageContent.from("https://example.com/b.png"))).build()).lowDetailImages)
        .isEqualTo(1);
    assertThat(ChatRequests.read(null, ChatRequest.builder().modelName("gpt-4o").maxOutputTokens(10)
        .messages(UserMessage.from("No picture here.")).build()).images).isZero();
  }
}
