package dev.llmbudget.agent.instrumentation.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatMessageContentItem;
import com.azure.ai.openai.models.ChatMessageImageContentItem;
import com.azure.ai.openai.models.ChatMessageImageDetailLevel;
import com.azure.ai.openai.models.ChatMessageImageUrl;
import com.azure.ai.openai.models.ChatMessageTextContentItem;
import com.azure.ai.openai.models.ChatRequestMessage;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.core.util.BinaryData;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the Azure OpenAI seam reads of a real multimodal request, built with the SDK's types and
 * serialized as the client sends it: image content items count, with their detail level.
 */
class AzureImagesTest {

  @Test
  void imageContentItemsOfARealRequestAreCounted() throws Exception {
    List<ChatMessageContentItem> items = List.of(new ChatMessageTextContentItem("Which is red?"),
        new ChatMessageImageContentItem(new ChatMessageImageUrl("https://example.com/a.png")
            .setDetail(ChatMessageImageDetailLevel.LOW)),
        new ChatMessageImageContentItem(new ChatMessageImageUrl("data:image/png;base64,iVBORw0KGgo=")));
    List<ChatRequestMessage> messages = List.of(new ChatRequestUserMessage(items));
    byte[] body = BinaryData.fromObject(new ChatCompletionsOptions(messages).setMaxTokens(100)).toBytes();

    LlmRequest read = ChatRequest.read("my-gpt-4o", body);
    assertThat(read.images()).as(new String(body)).isEqualTo(2);
    assertThat(read.lowDetailImages()).isEqualTo(1);
    assertThat(read.prompt().toString()).isEqualTo("Which is red?\n");
  }

  /** A {@code ChatMessageAudioContentItem} ({@code input_audio}) is a file part: its tokens are not in its bytes. */
  @Test
  void audioContentItemsOfARealRequestAreFileParts() throws Exception {
    List<ChatMessageContentItem> items = List.of(new ChatMessageTextContentItem("Transcribe this."),
        new com.azure.ai.openai.models.ChatMessageAudioContentItem(new com.azure.ai.openai.models.InputAudioContent(
            new byte[] {'R', 'I', 'F', 'F'}, com.azure.ai.openai.models.InputAudioFormat.WAV)));
    byte[] body = BinaryData.fromObject(new ChatCompletionsOptions(List.of(new ChatRequestUserMessage(items)))
        .setMaxTokens(100)).toBytes();

    LlmRequest read = ChatRequest.read("my-gpt-4o-audio", body);
    assertThat(read.mediaParts()).as(new String(body)).isEqualTo(1);
    assertThat(read.images()).isZero();
    assertThat(read.prompt().toString()).isEqualTo("Transcribe this.\n");
  }
}
