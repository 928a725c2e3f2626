package dev.llmbudget.agent.instrumentation.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.FakeShapes;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.internal.SdkJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Documents, video and audio in a Bedrock request are file parts, whose tokens their bytes do not
 * bound: Converse blocks read by their getters (objects shaped as the SDK's; this module does not
 * link the AWS SDK), InvokeModel bodies in Anthropic's and Nova's JSON.
 */
class BedrockRequestTest {

  private static Object block(String getter, Object value) {
    return FakeShapes.shape("dev.example.ContentBlock_" + getter).returning(getter, value).build();
  }

  @Test
  void converseDocumentVideoAndAudioBlocksAreFileParts() {
    Object text = FakeShapes.shape("dev.example.ContentBlockText").returning("text", "Compare them").build();
    Object toolResult = FakeShapes.shape("dev.example.ToolResultBlock")
        .returning("content", List.of(block("document", new Object()))).build();
    Object message = FakeShapes.shape("dev.example.Message").returning("content", List.of(text,
        block("document", new Object()), block("video", new Object()), block("audio", new Object()),
        block("image", new Object()), block("toolResult", toolResult))).build();
    Object request = FakeShapes.shape("dev.example.ConverseRequest").returning("modelId", "amazon.nova-pro-v1:0")
        .returning("messages", List.of(message)).build();

    LlmRequest r = BedrockRequest.fromConverse(request);
    assertThat(r.mediaParts()).as("a document, a video, an audio clip and the tool result's document").isEqualTo(4);
    assertThat(r.images()).isEqualTo(1);
  }

  @Test
  void invokeModelDocumentsOfAnthropicAndNovaAreFilePartsButAContentSourceIsText() throws Exception {
    String anthropic = "[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"base64\","
        + "\"media_type\":\"application/pdf\",\"data\":\"JVBERi0=\"}},{\"type\":\"document\",\"source\":{\"type\":"
        + "\"text\",\"media_type\":\"text/plain\",\"data\":\"memo\"}},{\"type\":\"document\",\"source\":{\"type\":"
        + "\"content\",\"content\":[{\"type\":\"text\",\"text\":\"chunk\"}]}},{\"type\":\"text\",\"text\":\"Hi\"}]}]";
    assertThat(BedrockRequest.media(SdkJson.MAPPER.readTree(anthropic)))
        .as("the PDF and the plain-text source (its data is not collected as text)").isEqualTo(2);
    String nova = "[{\"role\":\"user\",\"content\":[{\"document\":{\"format\":\"pdf\",\"name\":\"a\",\"source\":"
        + "{\"bytes\":\"JVBERi0=\"}}},{\"video\":{\"format\":\"mp4\",\"source\":{\"s3Location\":{\"uri\":\"s3://b/v\"}}}},"
        + "{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"iVBO\"}}},{\"text\":\"Describe\"}]}]";
    assertThat(BedrockRequest.media(SdkJson.MAPPER.readTree(nova))).isEqualTo(2);
    assertThat(BedrockRequest.images(SdkJson.MAPPER.readTree(nova))).isEqualTo(1);
  }
}
