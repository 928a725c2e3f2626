package dev.llmbudget.agent.instrumentation.springai;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeType;
import org.springframework.util.MimeTypeUtils;

/**
 * What the Spring AI seam reads of a real multimodal {@code Prompt}, built as an application builds
 * it: the user message's image media are counted (outside the text), a PDF is not an image.
 */
class SpringAiImagesTest {

  @Test
  void imageMediaOfARealPromptAreCounted() throws Exception {
    UserMessage user = UserMessage.builder().text("Which of these is red?")
        .media(new Media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(new byte[] {(byte) 0x89, 'P', 'N', 'G'})),
            Media.builder().mimeType(MimeTypeUtils.IMAGE_JPEG).data(URI.create("https://example.com/b.jpg")).build(),
            new Media(MimeType.valueOf("application/pdf"), new ByteArrayResource(new byte[] {'%', 'P'})))
        .build();
    Prompt prompt = new Prompt(List.of(new SystemMessage("Be brief."), user),
        OpenAiChatOptions.builder().model("gpt-4o").maxTokens(100).build());

    ChatRequest request = ChatRequest.read(null, prompt);
    assertThat(request.images()).isEqualTo(2);
    assertThat(request.mediaParts()).as("the PDF: not an image, a file part").isEqualTo(1);
    assertThat(request.model()).isEqualTo("gpt-4o");
    assertThat(request.prompt().toString()).isEqualTo("Be brief.\nWhich of these is red?");
    // what the engine reads of it, as a CallRequest: what was read, one answer, the prompt's byte bound
    dev.llmbudget.internal.CallRequest call = request;
    assertThat(call.maxOutputTokens()).isEqualTo(100);
    assertThat(call.images()).isEqualTo(2);
    assertThat(call.lowDetailImages()).isZero();
    assertThat(call.choices()).isEqualTo(1);
    assertThat(call.promptBound()).isEqualTo("Be brief.\nWhich of these is red?".length());
    assertThat(call.serviceTier()).isNull();
    assertThat(ChatRequest.read(null, new Prompt("No picture here.",
        OpenAiChatOptions.builder().model("gpt-4o").build())).images()).isZero();
  }
}
