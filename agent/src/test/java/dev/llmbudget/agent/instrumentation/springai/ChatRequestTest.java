package dev.llmbudget.agent.instrumentation.springai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What the Spring AI seam reads of a prompt and its chat model's defaults before the call. */
class ChatRequestTest {

  /** OpenAI-like options: {@code getN()}. */
  public static final class OpenAiLikeOptions {
    private final String model;
    private final Integer maxTokens;
    private final Integer n;

    OpenAiLikeOptions(String model, Integer maxTokens, Integer n) {
      this.model = model;
      this.maxTokens = maxTokens;
      this.n = n;
    }

    public String getModel() {
      return model;
    }

    public Integer getMaxTokens() {
      return maxTokens;
    }

    public Integer getN() {
      return n;
    }
  }

  /** Gemini-like options: {@code getCandidateCount()}. */
  public static final class GeminiLikeOptions {
    public String getModel() {
      return "gemini-2.5-flash";
    }

    public Integer getMaxOutputTokens() {
      return 64;
    }

    public Integer getCandidateCount() {
      return 2;
    }
  }

  public static final class Message {
    public String getText() {
      return "Say hello.";
    }
  }

  public static final class Prompt {
    private final Object options;

    Prompt(Object options) {
      this.options = options;
    }

    public List<Message> getInstructions() {
      return List.of(new Message());
    }

    public Object getOptions() {
      return options;
    }
  }

  public static final class Model {
    private final Object defaults;

    Model(Object defaults) {
      this.defaults = defaults;
    }

    public Object getDefaultOptions() {
      return defaults;
    }
  }

  @Test
  void aPromptForSeveralAnswersSaysHowManyFromItsOptionsOrTheModelsDefaults() throws Exception {
    Model plain = new Model(new OpenAiLikeOptions("gpt-4o-mini", 100, null));
    assertThat(ChatRequest.read(plain, new Prompt(new OpenAiLikeOptions(null, null, 3))).choices()).isEqualTo(3);
    assertThat(ChatRequest.read(plain, new Prompt(null)).choices()).isEqualTo(1);
    ChatRequest byDefault = ChatRequest.read(new Model(new OpenAiLikeOptions("gpt-4o-mini", 100, 4)), new Prompt(null));
    assertThat(byDefault.choices()).isEqualTo(4);
    assertThat(byDefault.maxOutputTokens()).isEqualTo(100);
    assertThat(byDefault.model()).isEqualTo("gpt-4o-mini");
    assertThat(ChatRequest.read(plain, new Prompt(new GeminiLikeOptions())).choices()).isEqualTo(2);
  }

  /** The shape of Spring AI's {@code Media}: its {@code MimeType} prints as {@code image/png}. */
  public static final class Media {
    private final String type;

    Media(String type) {
      this.type = type;
    }

    public Object getMimeType() {
      return new StringBuilder(type);
    }
  }

  public static final class UserMessage {
    public String getText() {
      return "Which is red?";
    }

    public List<Media> getMedia() {
      return List.of(new Media("image/png"), new Media("application/pdf"), new Media("image/jpeg"));
    }
  }

  @Test
  void imageMediaOfTheMessagesAreImagesAndOtherMediaAreFileParts() throws Exception {
    Object prompt = new Object() {
      public List<Object> getInstructions() {
        return List.of(new Message(), new UserMessage());
      }
    };
    ChatRequest request = ChatRequest.read(new Model(new OpenAiLikeOptions("gpt-4o", 100, null)), prompt);
    assertThat(request.images()).isEqualTo(2);
    assertThat(request.mediaParts()).as("the PDF").isEqualTo(1);
    assertThat(request.prompt().toString()).isEqualTo("Say hello.\nWhich is red?");
    assertThat(ChatRequest.read(new Model(null), new Prompt(null)).images()).isZero();
    assertThat(ChatRequest.read(new Model(null), new Prompt(null)).mediaParts()).isZero();
  }
}
