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
    assertThat(read.prompt().toString()).isEqualTo("Which is red?\n");
  }
}
