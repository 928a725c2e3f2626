package dev.llmbudget.agent.instrumentation.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.DocumentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.DocumentFormat;
import software.amazon.awssdk.services.bedrockruntime.model.DocumentSource;
import software.amazon.awssdk.services.bedrockruntime.model.ImageBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;

/**
 * What the Bedrock seam reads of real multimodal requests, built with the SDK's builders: Converse
 * image blocks (also in a tool result) and the image blocks of an Anthropic InvokeModel body are
 * counted; a document block is not an image but a file part.
 */
class BedrockImagesTest {

  private static final String HAIKU = "anthropic.claude-3-haiku-20240307-v1:0";

  private static ImageBlock png() {
    return ImageBlock.builder().format(ImageFormat.PNG)
        .source(ImageSource.fromBytes(SdkBytes.fromByteArray(new byte[] {(byte) 0x89, 'P', 'N', 'G'}))).build();
  }

  @Test
  void converseImageBlocksAreCountedAlsoInToolResults() {
    ConverseRequest request = ConverseRequest.builder().modelId(HAIKU).messages(
        Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Which is red?"),
            ContentBlock.fromImage(png()),
            ContentBlock.fromDocument(DocumentBlock.builder().name("spec").format(DocumentFormat.PDF)
                .source(DocumentSource.fromBytes(SdkBytes.fromUtf8String("%PDF"))).build())).build(),
        Message.builder().role(ConversationRole.USER).content(ContentBlock.fromToolResult(ToolResultBlock.builder()
            .toolUseId("t1").content(ToolResultContentBlock.fromImage(png())).build())).build())
        .build();

    LlmRequest read = BedrockRequest.fromConverse(request);
    assertThat(read.images()).isEqualTo(2);
    assertThat(read.mediaParts()).as("the PDF document: not an image, a file part").isEqualTo(1);
    assertThat(read.prompt().toString()).isEqualTo("Which is red?");
  }

  @Test
  void anthropicInvokeModelImageBlocksAreCounted() throws Exception {
    String body = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
        + "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\","
        + "\"data\":\"iVBORw0KGgo=\"}},{\"type\":\"text\",\"text\":\"Which is red?\"}]}]}";
    InvokeModelRequest request = InvokeModelRequest.builder().modelId(HAIKU)
        .body(SdkBytes.fromString(body, StandardCharsets.UTF_8)).build();

    LlmRequest read = BedrockRequest.fromInvoke(request);
    assertThat(read.images()).isEqualTo(1);
    assertThat(read.maxOutputTokens()).isEqualTo(100);
    assertThat(BedrockRequest.fromInvoke(InvokeModelRequest.builder().modelId(HAIKU).body(SdkBytes.fromString(
        "{\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", StandardCharsets.UTF_8)).build())
        .images()).isZero();
  }
}
