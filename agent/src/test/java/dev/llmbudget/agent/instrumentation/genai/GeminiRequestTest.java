package dev.llmbudget.agent.instrumentation.genai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the Google GenAI seam reads of a generateContent body before it goes out. */
class GeminiRequestTest {

  private static final String PATH = "/v1beta/models/gemini-2.5-flash:generateContent";

  @Test
  void aRequestForSeveralCandidatesIsReservedForEach() throws Exception {
    String three = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}],"
        + "\"generationConfig\":{\"maxOutputTokens\":64,\"candidateCount\":3}}";
    var request = GeminiRequest.read(PATH, three);
    assertThat(request.model()).isEqualTo("gemini-2.5-flash");
    assertThat(request.maxOutputTokens()).isEqualTo(64);
    assertThat(request.choices()).isEqualTo(3);
    assertThat(GeminiRequest.read(PATH, "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}").choices()).isEqualTo(1);
  }

  @Test
  void imagePartsInlineOrByUriAreCountedAndTheirDataIsNotText() throws Exception {
    String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Which is red?\"},"
        + "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\"}},"
        + "{\"fileData\":{\"mimeType\":\"image/jpeg\",\"fileUri\":\"gs://bucket/a.jpg\"}},"
        + "{\"fileData\":{\"mimeType\":\"application/pdf\",\"fileUri\":\"gs://bucket/a.pdf\"}},"
        + "{\"inlineData\":{\"mimeType\":\"audio/wav\",\"data\":\"UklGRg==\"}}]}]}";
    var request = GeminiRequest.read(PATH, body);
    assertThat(request.images()).as("PDFs and audio are not images").isEqualTo(2);
    assertThat(request.mediaParts()).as("the PDF and the audio clip").isEqualTo(2);
    assertThat(request.promptBound()).isEqualTo("Which is red?\n".length());
    assertThat(GeminiRequest.read(PATH, "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}").images()).isZero();
  }

  @Test
  void documentAudioAndVideoPartsAreMediaPartsAlsoInAFunctionResponse() throws Exception {
    String body = "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Summarize\"},"
        + "{\"fileData\":{\"mimeType\":\"video/mp4\",\"fileUri\":\"https://generativelanguage.googleapis.com/v1beta/files/abc\"}}]},"
        + "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"fetch\",\"response\":{},"
        + "\"parts\":[{\"inlineData\":{\"mimeType\":\"application/pdf\",\"data\":\"JVBERi0=\"}}]}}]}]}";
    var request = GeminiRequest.read(PATH, body);
    assertThat(request.mediaParts()).isEqualTo(2);
    assertThat(request.images()).isZero();
    assertThat(GeminiRequest.read(PATH, "{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}").mediaParts()).isZero();
  }
}
