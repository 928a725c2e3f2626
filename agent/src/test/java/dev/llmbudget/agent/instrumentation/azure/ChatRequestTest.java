package dev.llmbudget.agent.instrumentation.azure;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the Azure OpenAI seam reads of a request body before it goes out. */
class ChatRequestTest {

  private static byte[] json(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aRequestForSeveralAnswersIsReservedForEach() throws Exception {
    assertThat(ChatRequest.read("my-gpt", json("{'messages':[{'role':'user','content':'hi'}],'n':3,'max_tokens':50}"))
        .choices()).isEqualTo(3);
    assertThat(ChatRequest.read("my-gpt", json("{'messages':[{'role':'user','content':'hi'}],'max_tokens':50}"))
        .choices()).isEqualTo(1);
    assertThat(ChatRequest.read("my-instruct", json("{'prompt':'x','n':2,'best_of':5}")).choices()).isEqualTo(5);
    assertThat(ChatRequest.read("my-gpt", json("{'messages':[],'n':100000}")).choices()).isEqualTo(128);
  }

  @Test
  void theDeploymentNamesTheModelAndTheCapIsRead() throws Exception {
    var request = ChatRequest.read("my-gpt", json("{'messages':[{'role':'user','content':'hi'}],'max_completion_tokens':7}"));
    assertThat(request.model()).isEqualTo("my-gpt");
    assertThat(request.maxOutputTokens()).isEqualTo(7);
    assertThat(request.messageCount()).isEqualTo(1);
    assertThat(request.serviceTier()).isNull();
  }

  @Test
  void theServiceTierTheRequestAsksForIsRead() throws Exception {
    assertThat(ChatRequest.read("my-gpt", json("{'messages':[],'service_tier':'priority'}")).serviceTier())
        .isEqualTo("priority");
    assertThat(ChatRequest.read("my-gpt", json("{'messages':[],'service_tier':7}")).serviceTier()).isNull();
  }

  @Test
  void imageContentItemsAreCountedWithTheirDetailAndAreNotText() throws Exception {
    var request = ChatRequest.read("my-gpt", json("{'messages':[{'role':'user','content':["
        + "{'type':'text','text':'Compare'},"
        + "{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0KGgo=','detail':'low'}},"
        + "{'type':'image_url','image_url':{'url':'https://example.com/b.png'}}]}],'max_tokens':50}"));
    assertThat(request.images()).isEqualTo(2);
    assertThat(request.lowDetailImages()).isEqualTo(1);
    assertThat(request.promptBound()).isEqualTo("Compare\n".length());
  }

  /** Azure's {@code ChatMessageAudioContentItem} ({@code input_audio}), file parts and an assistant's audio by id are file parts. */
  @Test
  void audioAndFilePartsAreFileParts() throws Exception {
    var request = ChatRequest.read("my-gpt", json("{'messages':[{'role':'user','content':[{'type':'text','text':'hi'},"
        + "{'type':'input_audio','input_audio':{'data':'UklGRg==','format':'wav'}},"
        + "{'type':'file','file':{'file_id':'assistant-abc'}}]},{'role':'assistant','audio':{'id':'audio_1'}}]}"));
    assertThat(request.mediaParts()).isEqualTo(3);
    assertThat(request.images()).isZero();
    assertThat(ChatRequest.read("my-gpt", json("{'messages':[{'role':'user','content':'hi'}]}")).mediaParts()).isZero();
  }
}
