package dev.llmbudget.agent.instrumentation.genai;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.genai.types.Content;
import com.google.genai.types.Part;
import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import org.junit.jupiter.api.Test;

/**
 * What the Google GenAI seam reads of a real multimodal request, its contents built with the SDK's
 * own types and serialized by them: inline and by-URI image parts count, a PDF part does not.
 */
class GenAiImagesTest {

  @Test
  void imagePartsOfRealContentsAreCounted() throws Exception {
    Content content = Content.fromParts(Part.fromText("Which is red?"),
        Part.fromBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, "image/png"),
        Part.fromUri("gs://bucket/b.jpg", "image/jpeg"),
        Part.fromUri("gs://bucket/spec.pdf", "application/pdf"));
    String body = "{\"contents\":[" + content.toJson() + "],\"generationConfig\":{\"maxOutputTokens\":64}}";

    LlmRequest read = GeminiRequest.read("/v1beta/models/gemini-2.5-flash:generateContent", body);
    assertThat(read.images()).as(body).isEqualTo(2);
    assertThat(read.mediaParts()).as("the PDF: not an image, a file part").isEqualTo(1);
    assertThat(read.prompt().toString()).isEqualTo("Which is red?\n");
  }

  /**
   * A Gemini 3 function response may carry images of its own (GenAI 2.x's {@code
   * FunctionResponse.parts}), billed as any image; and a file by URI that states no MIME type may be
   * one: both count.
   */
  @Test
  void imagesInAFunctionResponseAndAnUntypedFileCount() throws Exception {
    Content content = Content.builder().role("user").parts(java.util.List.of(
        Part.builder().functionResponse(com.google.genai.types.FunctionResponse.builder().name("screenshot")
            .response(java.util.Map.of("ok", true))
            .parts(com.google.genai.types.FunctionResponsePart.builder().inlineData(
                com.google.genai.types.FunctionResponseBlob.builder().mimeType("image/png")
                    .data(new byte[] {(byte) 0x89, 'P', 'N', 'G'}).build()).build())
            .build()).build(),
        Part.builder().fileData(com.google.genai.types.FileData.builder().fileUri("gs://bucket/photo").build()).build(),
        Part.fromText("What changed?"))).build();
    String body = "{\"contents\":[" + content.toJson() + "]}";

    LlmRequest read = GeminiRequest.read("/v1beta/models/gemini-3-pro-preview:generateContent", body);
    assertThat(read.images()).as(body).isEqualTo(2);
  }
}
