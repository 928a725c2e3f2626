package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.tokens.TokenCounter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The one-pass scan gives the same model, cap, message count and byte bound as decoding the body
 * into a tree and counting the prompt text that tree yields (the reader before issue 14).
 */
class RequestScanTest {

  private static byte[] json(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  /** The scan's bound equals the UTF-8 length of the decoded prompt text, for every endpoint. */
  private static LlmRequest assertBoundIsTheDecodedTextsLength(Endpoint endpoint, byte[] body) throws IOException {
    LlmRequest r = RequestReader.read(endpoint, body);
    String text = RequestReader.text(endpoint, body);
    assertThat(r.promptBound()).as("bound of the prompt (%d chars)", text.length()).isEqualTo(TokenCounter.upperBoundTokens(text));
    assertThat(r.prompt().toString()).isEqualTo(text);
    return r;
  }

  @Test
  void chatBodiesWithPartsToolCallsToolsAndEscapes() throws Exception {
    byte[] body = json("{ 'model' : 'gpt-4o', 'max_completion_tokens' : 300 ,"
        + "'messages':[{'role':'system','content':'Be brief.\\n\\t\\\"quoted\\\" \\\\ \\/ \\u00e9\\u4e2d\\ud83d\\ude00 \\ud800 x'},"
        + "{'role':'user','content':[{'type':'text','text':'What is in é 中 😀'},"
        + "{'type':'image_url','image_url':{'url':'data:image/png;base64,AAAABBBB'}}]},"
        + "{'role':'assistant','content':null,'tool_calls':[{'id':'c1','type':'function','function':{'name':'f','arguments':'{\\'x\\':1}'}}]},"
        + "{'role':'tool','tool_call_id':'c1','content':'42'}],"
        + "'tools':[{'type':'function','function':{'name':'lookup','description':'a \\u0001 b \\n é','parameters':{'type':'object','x':[1, 2.5, -3, true, false, null]}}}],"
        + "'temperature':0.2,'stop':['a','b'],'metadata':{'k':{'deep':[[{}],[]]}}}\n");
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.CHAT_COMPLETIONS, body);
    assertThat(r.model()).isEqualTo("gpt-4o");
    assertThat(r.messageCount()).isEqualTo(4);
    assertThat(r.maxOutputTokens()).isEqualTo(300);
    assertThat(r.images()).isEqualTo(1);
  }

  @Test
  void anthropicBodiesWithSystemBlocksToolUseInputAndThinking() throws Exception {
    byte[] body = json("{'model':'claude-sonnet-4-5','max_tokens':1024,'thinking':{'type':'enabled','budget_tokens':2000},"
        + "'system':[{'type':'text','text':'You are terse.','cache_control':{'type':'ephemeral'}}],"
        + "'messages':[{'role':'user','content':'Hi'},"
        + "{'role':'assistant','content':[{'type':'thinking','thinking':'hmm','signature':'s'},"
        + "{'type':'tool_use','id':'t1','name':'calc','input':{'a':2,'b':'x\\ty','c':[ {} , [] ]}}]},"
        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':[{'type':'text','text':'4'}]},"
        + "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AAAA'}}]}],"
        + "'tools':[]}");
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.MESSAGES, body);
    assertThat(r.messageCount()).isEqualTo(3);
    assertThat(r.maxOutputTokens()).isEqualTo(1024);
    assertThat(r.images()).isEqualTo(1);
  }

  @Test
  void chatCompletionsImagePartsAreCountedWithTheirDetailAndTheirUrlsAreNotText() throws Exception {
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o-mini',"
        + "'messages':[{'role':'system','content':'Describe.'},{'role':'user','content':["
        + "{'type':'text','text':'Compare these'},"
        + "{'type':'image_url','image_url':{'url':'https://example.com/a.png','detail':'low'}},"
        + "{'image_url':{'detail':'high','url':'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='},'type':'image_url'},"
        + "{'type':'image_url','image_url':{'url':'https://example.com/c.png'}}]}]}"));
    assertThat(r.images()).isEqualTo(3);
    assertThat(r.lowDetailImages()).isEqualTo(1);
    assertThat(r.promptBound()).as("only the text parts").isEqualTo("Describe.\nCompare these\n".length());
    LlmRequest none = RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','messages':[{'role':'user',"
        + "'content':[{'type':'text','text':'image_url'},{'type':'input_text','text':'a','detail':'low'}]}]}"));
    assertThat(none.images()).as("a text part is not an image, whatever its text says").isZero();
    assertThat(none.lowDetailImages()).isZero();
  }

  @Test
  void responsesInputImagesByUrlOrFileIdAreCounted() throws Exception {
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.RESPONSES, json("{'model':'gpt-4.1','input':[{'role':'user',"
        + "'content':[{'type':'input_text','text':'What is this?'},"
        + "{'type':'input_image','image_url':'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ==','detail':'low'},"
        + "{'type':'input_image','file_id':'file-abc','detail':'auto'}]},"
        + "{'type':'function_call_output','call_id':'c','output':[{'type':'input_image','image_url':'https://x/y.png'}]}]}"));
    assertThat(r.images()).isEqualTo(3);
    assertThat(r.lowDetailImages()).isEqualTo(1);
    assertThat(r.promptBound()).isEqualTo("What is this?\n".length());
  }

  @Test
  void anthropicImageBlocksAreCountedAlsoInsideToolResults() throws Exception {
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.MESSAGES, json("{'model':'claude-sonnet-4-5','max_tokens':10,"
        + "'messages':[{'role':'user','content':[{'type':'image','source':{'type':'base64','media_type':'image/png',"
        + "'data':'iVBORw0KGgo='}},{'type':'image','source':{'type':'url','url':'https://x/y.png'}},"
        + "{'type':'text','text':'Which is larger?'}]},"
        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t','content':[{'type':'image',"
        + "'source':{'type':'base64','media_type':'image/jpeg','data':'/9j/'}}]}]}]}"));
    assertThat(r.images()).isEqualTo(3);
    assertThat(r.lowDetailImages()).isZero();
    assertThat(r.promptBound()).isEqualTo("Which is larger?\n".length());
  }

  @Test
  void responsesEmbeddingsAndCompletions() throws Exception {
    LlmRequest responses = assertBoundIsTheDecodedTextsLength(Endpoint.RESPONSES, json("{'model':'gpt-5',"
        + "'instructions':'Answer in French.','max_output_tokens':64.9,'input':[{'role':'user','content':"
        + "[{'type':'input_text','text':'Hello'}]},{'type':'function_call_output','call_id':'c','output':'sunny'}],"
        + "'messages':['not read at this endpoint']}"));
    assertThat(responses.maxOutputTokens()).isEqualTo(64);
    assertThat(responses.messageCount()).isZero();
    assertThat(assertBoundIsTheDecodedTextsLength(Endpoint.RESPONSES, json("{'model':'gpt-5','input':'plain'}"))
        .promptBound()).isEqualTo(6);
    LlmRequest embeddings = assertBoundIsTheDecodedTextsLength(Endpoint.EMBEDDINGS,
        json("{'model':'text-embedding-3-small','input':['one','two'],'max_tokens':'ten'}"));
    assertThat(embeddings.maxOutputTokens()).isZero();
    LlmRequest completions = assertBoundIsTheDecodedTextsLength(Endpoint.COMPLETIONS,
        json("{'prompt':['a','bb'],'max_tokens':99999999999999999999999,'model':'gpt-3.5-turbo-instruct'}"));
    assertThat(completions.maxOutputTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(completions.model()).isEqualTo("gpt-3.5-turbo-instruct");
  }

  @Test
  void theFirstCapFieldInTheReadersOrderWinsAndEscapedNamesAreNamesToo() throws Exception {
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.CHAT_COMPLETIONS, json(
        "{'max_completion_tokens':5,'max_tokens':7,'mod\\u0065l':'gpt-4o','messages':[{'cont\\u0065nt':'abc'}]}"));
    assertThat(r.maxOutputTokens()).isEqualTo(7);
    assertThat(r.model()).isEqualTo("gpt-4o");
    assertThat(r.promptBound()).isEqualTo(4);
  }

  @Test
  void aRequestForSeveralAnswersSaysHowManyEachMayUseTheWholeCap() throws Exception {
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','n':3,'max_tokens':5,"
        + "'messages':[]}")).choices()).isEqualTo(3);
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','messages':[]}")).choices())
        .isEqualTo(1);
    // a completion's best_of: the server makes that many and bills them all, n of them returned
    assertThat(RequestReader.read(Endpoint.COMPLETIONS, json("{'model':'gpt-3.5-turbo-instruct','prompt':'x',"
        + "'n':2,'best_of':5}")).choices()).isEqualTo(5);
    // more than OpenAI allows is refused by the server; the bound stays finite
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','n':1e12,'messages':[]}"))
        .choices()).isEqualTo(128);
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','n':null,'messages':[]}"))
        .choices()).isEqualTo(1);
    assertThat(RequestReader.read(Endpoint.RESPONSES, json("{'model':'o3-pro','input':'x','background':true}"))
        .background()).isTrue();
    assertThat(RequestReader.read(Endpoint.RESPONSES, json("{'model':'o3-pro','input':'x','background':false}"))
        .background()).isFalse();
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','background':true,'messages':[]}"))
        .background()).isFalse();
    // no n in the Responses API: a member so named elsewhere means nothing
    assertThat(RequestReader.read(Endpoint.RESPONSES, json("{'model':'gpt-4o','n':3,'input':'x'}")).choices())
        .isEqualTo(1);
  }

  @Test
  void theServiceTierARequestAsksForIsReadAsOpenAiSpellsIt() throws Exception {
    LlmRequest priority = RequestReader.read(Endpoint.CHAT_COMPLETIONS,
        json("{'model':'gpt-5','service_tier':'priority','messages':[{'role':'user','content':'hi'}]}"));
    assertThat(priority.serviceTier()).isSameAs(dev.llmbudget.internal.UsageJson.PRIORITY_TIER);
    // the member does not count as prompt text
    assertThat(priority.promptBound()).isEqualTo(RequestReader.read(Endpoint.CHAT_COMPLETIONS,
        json("{'model':'gpt-5','messages':[{'role':'user','content':'hi'}]}")).promptBound());
    assertThat(RequestReader.read(Endpoint.RESPONSES, json("{'model':'o3','input':'x','service_tier':'flex'}"))
        .serviceTier()).isEqualTo("flex");
    assertThat(RequestReader.read(Endpoint.RESPONSES, json("{'model':'o3','input':'x','service_tier':'auto'}"))
        .serviceTier()).isEqualTo("auto");
    // every tier of core's one table, as its constant (the scan and the answer readers share them)
    for (String tier : new String[] {dev.llmbudget.internal.UsageJson.DEFAULT_TIER,
        dev.llmbudget.internal.UsageJson.PRIORITY_TIER, dev.llmbudget.internal.UsageJson.FLEX_TIER,
        dev.llmbudget.internal.UsageJson.SCALE_TIER, dev.llmbudget.internal.UsageJson.AUTO_TIER}) {
      assertThat(RequestReader.read(Endpoint.RESPONSES, json("{'model':'o3','input':'x','service_tier':'" + tier + "'}"))
          .serviceTier()).isSameAs(tier);
    }
    for (String other : new String[] {"''", "'Priority'", "'default priority'"}) {
      assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS,
          json("{'model':'gpt-5','service_tier':" + other + ",'messages':[]}")).serviceTier()).as(other).isNull();
    }
    for (String other : new String[] {"'priorityx'", "'prio'", "null", "3", "{'a':'priority'}", "'pri\\u006frity'"}) {
      assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS,
          json("{'model':'gpt-5','service_tier':" + other + ",'messages':[]}")).serviceTier()).as(other).isNull();
    }
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-5','messages':[]}")).serviceTier())
        .isNull();
  }

  @Test
  void bodiesWithoutAStringModelAreReadWithoutOneAndBrokenOnesAreUnreadable() throws Exception {
    // No model (a Responses call whose stored prompt chooses it): still metered, as an unknown model.
    LlmRequest storedPrompt = RequestReader.read(Endpoint.RESPONSES,
        json("{'prompt':{'id':'pmpt_1'},'input':'Say hello.','max_output_tokens':50}"));
    assertThat(storedPrompt.model()).isNull();
    assertThat(storedPrompt.maxOutputTokens()).isEqualTo(50);
    assertThat(storedPrompt.prompt().toString()).contains("Say hello.");
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':3,'messages':[]}")).model()).isNull();
    assertThat(RequestReader.read(Endpoint.CHAT_COMPLETIONS, json(" [1,2]"))).isNull();
    assertThatThrownBy(() -> RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','messages':[")))
        .isInstanceOf(IOException.class).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o'} {}")))
        .isInstanceOf(IOException.class).hasMessageContaining("content after the JSON object");
    assertThatThrownBy(() -> RequestReader.read(Endpoint.CHAT_COMPLETIONS,
        ("{\"model\":\"gpt-4o\",\"x\":" + "[".repeat(2000) + "]".repeat(2000) + "}").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IOException.class).hasMessageContaining("nesting deeper than 1000");
  }

  @Test
  void escapesAndMultiByteCharsAnywhereInALongStringAreCountedAsDecoded() throws Exception {
    for (int len = 0; len < 40; len++) {
      for (int at = 0; at <= len; at++) {
        for (String insert : new String[] {"\\\"", "\\\\", "\\n", "\\u00e9", "é", "😀"}) {
          String text = "a".repeat(at) + insert + "b".repeat(len - at);
          assertBoundIsTheDecodedTextsLength(Endpoint.CHAT_COMPLETIONS,
              json("{'model':'gpt-4o','messages':[{'content':'" + text + "'}]}"));
        }
      }
    }
  }

  @Test
  void anEscapeBesideMultiByteCharsInOneEightByteWordIsCounted() throws Exception {
    // The scan's word test lets a word with a high bit through only when it holds no quote and no
    // backslash: a non-ASCII char must not hide an escape or the closing quote in the same word.
    String[] multiByte = {"é", "😀", "中"};
    String[] escapes = {"\\\"", "\\\\", "\\n", "\\u00e9", ""};
    for (int at = 0; at < 17; at++) {
      for (String mb : multiByte) {
        for (String esc : escapes) {
          for (String text : new String[] {"a".repeat(at) + mb + esc + "b".repeat(16 - at),
              "a".repeat(at) + esc + mb + "b".repeat(16 - at), "a".repeat(at) + mb}) {
            assertBoundIsTheDecodedTextsLength(Endpoint.CHAT_COMPLETIONS,
                json("{'model':'gpt-4o','messages':[{'content':'" + text + "'}]}"));
          }
        }
      }
    }
  }

  /**
   * Requests built and serialized by openai-java itself: a Responses {@code computer_call_output}
   * sends its screenshot back as an image (billed as one), and {@code detail: original} (up to
   * 10,000 patches an image) is told apart from high and low, in Responses and chat completions.
   */
  @Test
  void computerScreenshotsAndDetailOriginalOfRealOpenAiJavaRequestsAreCounted() throws Exception {
    String png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    com.openai.models.responses.ResponseCreateParams responses = com.openai.models.responses.ResponseCreateParams
        .builder().model("gpt-5.4").inputOfResponse(java.util.List.of(
            com.openai.models.responses.ResponseInputItem.ofMessage(
                com.openai.models.responses.ResponseInputItem.Message.builder()
                    .role(com.openai.models.responses.ResponseInputItem.Message.Role.USER)
                    .addInputTextContent("Read the small print")
                    .addContent(com.openai.models.responses.ResponseInputImage.builder()
                        .detail(com.openai.models.responses.ResponseInputImage.Detail.ORIGINAL).imageUrl(png).build())
                    .addContent(com.openai.models.responses.ResponseInputImage.builder()
                        .detail(com.openai.models.responses.ResponseInputImage.Detail.LOW).fileId("file-1").build())
                    .build()),
            com.openai.models.responses.ResponseInputItem.ofComputerCallOutput(
                com.openai.models.responses.ResponseInputItem.ComputerCallOutput.builder().callId("call_1")
                    .output(com.openai.models.responses.ResponseComputerToolCallOutputScreenshot.builder()
                        .imageUrl(png).build())
                    .build())))
        .build();
    LlmRequest r = RequestReader.read(Endpoint.RESPONSES,
        com.openai.core.ObjectMappers.jsonMapper().writeValueAsBytes(responses._body()));
    assertThat(r.images()).as("the input images and the screenshot").isEqualTo(3);
    assertThat(r.lowDetailImages()).isEqualTo(1);
    assertThat((int) r.originalDetailImages()).isEqualTo(1);
    assertThat(r.promptBound()).as("the screenshot's URL is not text").isEqualTo("Read the small print\n".length());

    com.openai.models.chat.completions.ChatCompletionCreateParams chat = com.openai.models.chat.completions
        .ChatCompletionCreateParams.builder().model("gpt-5.4").addMessage(
            com.openai.models.chat.completions.ChatCompletionUserMessageParam.builder().contentOfArrayOfContentParts(
                java.util.List.of(com.openai.models.chat.completions.ChatCompletionContentPart.ofImageUrl(
                    com.openai.models.chat.completions.ChatCompletionContentPartImage.builder().imageUrl(
                        com.openai.models.chat.completions.ChatCompletionContentPartImage.ImageUrl.builder().url(png)
                            .detail(com.openai.models.chat.completions.ChatCompletionContentPartImage.ImageUrl.Detail
                                .ORIGINAL).build()).build()))).build())
        .build();
    LlmRequest c = RequestReader.read(Endpoint.CHAT_COMPLETIONS,
        com.openai.core.ObjectMappers.jsonMapper().writeValueAsBytes(chat._body()));
    assertThat(c.images()).isEqualTo(1);
    assertThat((int) c.originalDetailImages()).isEqualTo(1);
    assertThat(c.lowDetailImages()).isZero();
  }

  /**
   * A Responses call that uses a stored prompt sends its variables, text or images
   * ({@code input_text}, {@code input_image}), with the request: they are prompt, as openai-java
   * serializes them.
   */
  @Test
  void aStoredPromptsVariablesAreTextAndImages() throws Exception {
    com.openai.models.responses.ResponseCreateParams params = com.openai.models.responses.ResponseCreateParams
        .builder().model("gpt-4o").prompt(com.openai.models.responses.ResponsePrompt.builder().id("pmpt_1")
            .variables(com.openai.models.responses.ResponsePrompt.Variables.builder()
                .putAdditionalProperty("city", com.openai.core.JsonValue.from("Lyon"))
                .putAdditionalProperty("note", com.openai.core.JsonValue.from(
                    java.util.Map.of("type", "input_text", "text", "in winter")))
                .putAdditionalProperty("photo", com.openai.core.JsonValue.from(java.util.Map.of("type", "input_image",
                    "image_url", "https://example.com/lyon.jpg", "detail", "low")))
                .build())
            .build())
        .build();
    byte[] body = com.openai.core.ObjectMappers.jsonMapper().writeValueAsBytes(params._body());
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.RESPONSES, body);
    assertThat(r.images()).isEqualTo(1);
    assertThat(r.lowDetailImages()).isEqualTo(1);
    assertThat(r.promptBound()).isEqualTo("Lyon\nin winter\n".length());
  }

  @Test
  void aLongPromptIsBoundedWithoutCopyingItsText() throws Exception {
    String words = "The quick brown fox jumps over the lazy dog, and é too. ".repeat(2600); // ~150 KB
    byte[] body = json("{'model':'gpt-4o-mini','messages':[{'role':'user','content':'" + words
        + "'}],'max_completion_tokens':256}");
    RequestReader.read(Endpoint.CHAT_COMPLETIONS, body); // warm
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    LlmRequest r = RequestReader.read(Endpoint.CHAT_COMPLETIONS, body);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(r.promptBound()).isEqualTo(words.getBytes(StandardCharsets.UTF_8).length + 1);
    assertThat(allocated).as("bytes allocated reading a %d-byte body", body.length).isLessThan(4096);
  }

  @Test
  void aBase64ImageIsSkippedWithoutCopyingAndIsNotCountedAsText() throws Exception {
    byte[] pixels = new byte[300_000];
    new java.util.Random(7).nextBytes(pixels);
    String base64 = java.util.Base64.getEncoder().encodeToString(pixels); // 400 KB, with '+' and '/'
    byte[] body = json("{'model':'gpt-4o-mini','messages':[{'role':'user','content':[{'type':'text','text':'Describe'},"
        + "{'type':'image_url','image_url':{'url':'data:image/png;base64," + base64 + "','detail':'high'}}]}],"
        + "'max_completion_tokens':256}");
    RequestReader.read(Endpoint.CHAT_COMPLETIONS, body); // warm
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    LlmRequest r = RequestReader.read(Endpoint.CHAT_COMPLETIONS, body);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(r.promptBound()).isEqualTo("Describe\n".length());
    assertThat(r.images()).isEqualTo(1);
    assertThat(r.lowDetailImages()).isZero();
    assertThat(allocated).as("bytes allocated reading a %d-byte body", body.length).isLessThan(4096);
  }

  /**
   * Chat completions' {@code file} (by id or inline data) and {@code input_audio} parts, and an
   * assistant message's audio sent back by id, are media parts, as openai-java serializes them: their
   * tokens are not in the bytes, and their data is not text.
   */
  @Test
  void chatFileAndAudioPartsOfRealOpenAiJavaRequestsAreMediaParts() throws Exception {
    String pdf = "data:application/pdf;base64," + java.util.Base64.getEncoder().encodeToString(new byte[3000]);
    com.openai.models.chat.completions.ChatCompletionCreateParams chat = com.openai.models.chat.completions
        .ChatCompletionCreateParams.builder().model("gpt-4o-audio-preview").addMessage(
            com.openai.models.chat.completions.ChatCompletionUserMessageParam.builder().contentOfArrayOfContentParts(
                java.util.List.of(
                    com.openai.models.chat.completions.ChatCompletionContentPart.ofText(
                        com.openai.models.chat.completions.ChatCompletionContentPartText.builder()
                            .text("Summarize both").build()),
                    com.openai.models.chat.completions.ChatCompletionContentPart.ofFile(
                        com.openai.models.chat.completions.ChatCompletionContentPart.File.builder().file(
                            com.openai.models.chat.completions.ChatCompletionContentPart.File.FileObject.builder()
                                .fileId("file-abc123").build()).build()),
                    com.openai.models.chat.completions.ChatCompletionContentPart.ofFile(
                        com.openai.models.chat.completions.ChatCompletionContentPart.File.builder().file(
                            com.openai.models.chat.completions.ChatCompletionContentPart.File.FileObject.builder()
                                .fileData(pdf).filename("report.pdf").build()).build()),
                    com.openai.models.chat.completions.ChatCompletionContentPart.ofInputAudio(
                        com.openai.models.chat.completions.ChatCompletionContentPartInputAudio.builder().inputAudio(
                            com.openai.models.chat.completions.ChatCompletionContentPartInputAudio.InputAudio
                                .builder().data("UklGRiQAAABXQVZF").format(com.openai.models.chat.completions
                                    .ChatCompletionContentPartInputAudio.InputAudio.Format.WAV).build()).build())))
                .build())
        .addMessage(com.openai.models.chat.completions.ChatCompletionAssistantMessageParam.builder()
            .audio(com.openai.models.chat.completions.ChatCompletionAssistantMessageParam.Audio.builder()
                .id("audio_abc").build()).build())
        .build();
    byte[] body = com.openai.core.ObjectMappers.jsonMapper().writeValueAsBytes(chat._body());
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.CHAT_COMPLETIONS, body);
    assertThat(r.mediaParts()).as("two files, one audio clip, one earlier audio answer").isEqualTo(4);
    assertThat(r.images()).isZero();
    assertThat(r.promptBound()).as("the file's data is not text").isEqualTo("Summarize both\n".length());

    LlmRequest text = RequestReader.read(Endpoint.CHAT_COMPLETIONS, json("{'model':'gpt-4o','messages':[{'role':'user',"
        + "'content':[{'type':'text','text':'file'},{'type':'text','text':'input_audio'}]}]}"));
    assertThat(text.mediaParts()).as("a text part is not a file, whatever its text says").isZero();
  }

  /** Responses' {@code input_file} (by id, URL or data, also in a function call's output) and {@code input_audio}. */
  @Test
  void responsesInputFilesAndAudioAreMediaParts() throws Exception {
    com.openai.models.responses.ResponseCreateParams responses = com.openai.models.responses.ResponseCreateParams
        .builder().model("gpt-5").inputOfResponse(java.util.List.of(
            com.openai.models.responses.ResponseInputItem.ofMessage(
                com.openai.models.responses.ResponseInputItem.Message.builder()
                    .role(com.openai.models.responses.ResponseInputItem.Message.Role.USER)
                    .addInputTextContent("Compare")
                    .addContent(com.openai.models.responses.ResponseInputFile.builder().fileId("file-1").build())
                    .addContent(com.openai.models.responses.ResponseInputFile.builder()
                        .fileUrl("https://example.com/a.pdf").build())
                    .addContent(com.openai.models.responses.ResponseInputFile.builder().filename("b.pdf")
                        .fileData("data:application/pdf;base64,JVBERi0xLjQK").build())
                    .build())))
        .build();
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.RESPONSES,
        com.openai.core.ObjectMappers.jsonMapper().writeValueAsBytes(responses._body()));
    assertThat(r.mediaParts()).isEqualTo(3);
    assertThat(r.promptBound()).isEqualTo("Compare\n".length());

    LlmRequest audio = assertBoundIsTheDecodedTextsLength(Endpoint.RESPONSES, json("{'model':'gpt-5','input':["
        + "{'role':'user','content':[{'type':'input_audio','input_audio':{'data':'UklGRg==','format':'wav'}}]},"
        + "{'type':'function_call_output','call_id':'c','output':[{'type':'input_file','file_id':'file-2'}]}]}"));
    assertThat(audio.mediaParts()).isEqualTo(2);
  }

  /**
   * Anthropic documents as anthropic-java serializes them: a base64 PDF, a URL and an uploaded file
   * are media parts; a plain-text or content source is prompt text, in the bound and not a media part.
   * A code-execution {@code container_upload} is a media part too.
   */
  @Test
  void anthropicDocumentsAreMediaPartsUnlessTheirSourceIsText() throws Exception {
    com.anthropic.models.messages.MessageCreateParams params = com.anthropic.models.messages.MessageCreateParams
        .builder().model("claude-sonnet-4-5").maxTokens(100).addUserMessageOfContentBlockParams(java.util.List.of(
            com.anthropic.models.messages.ContentBlockParam.ofDocument(com.anthropic.models.messages.DocumentBlockParam
                .builder().base64Source("JVBERi0xLjQK").build()),
            com.anthropic.models.messages.ContentBlockParam.ofDocument(com.anthropic.models.messages.DocumentBlockParam
                .builder().urlSource("https://example.com/a.pdf").build()),
            com.anthropic.models.messages.ContentBlockParam.ofDocument(com.anthropic.models.messages.DocumentBlockParam
                .builder().fileSource("file_011").build()),
            com.anthropic.models.messages.ContentBlockParam.ofDocument(com.anthropic.models.messages.DocumentBlockParam
                .builder().textSource("The plain text of a memo.").title("memo").build()),
            com.anthropic.models.messages.ContentBlockParam.ofDocument(com.anthropic.models.messages.DocumentBlockParam
                .builder().contentSourceOfBlockSource(java.util.List.of(
                    com.anthropic.models.messages.ContentBlockSourceContent.ofText("First chunk"),
                    com.anthropic.models.messages.ContentBlockSourceContent.ofText("Second chunk"))).build()),
            com.anthropic.models.messages.ContentBlockParam.ofText("Which says more?")))
        .build();
    byte[] body = com.anthropic.core.ObjectMappers.jsonMapper().writeValueAsBytes(params._body());
    LlmRequest r = assertBoundIsTheDecodedTextsLength(Endpoint.MESSAGES, body);
    assertThat(r.mediaParts()).as("the PDF, the URL and the file").isEqualTo(3);
    assertThat(r.images()).isZero();
    assertThat(r.promptBound()).as("the plain-text and content sources are prompt text")
        .isEqualTo("The plain text of a memo.\nFirst chunk\nSecond chunk\nWhich says more?\n".length());

    LlmRequest upload = assertBoundIsTheDecodedTextsLength(Endpoint.MESSAGES, json("{'model':'claude-sonnet-4-5',"
        + "'max_tokens':10,'messages':[{'role':'user','content':[{'type':'container_upload','file_id':'file_1'},"
        + "{'source':{'data':'memo','media_type':'text/plain','type':'text'},'type':'document'},"
        + "{'type':'image','source':{'type':'file','file_id':'file_img'}}]}]}"));
    assertThat(upload.mediaParts()).as("the upload; the text document is text, the image an image").isEqualTo(1);
    assertThat(upload.images()).isEqualTo(1);
    assertThat(upload.promptBound()).isEqualTo("memo\n".length());
  }

  @Test
  void aBase64PdfIsSkippedWithoutCopying() throws Exception {
    String base64 = java.util.Base64.getEncoder().encodeToString(new byte[300_000]);
    byte[] body = json("{'model':'gpt-4o-mini','messages':[{'role':'user','content':[{'type':'text','text':'Read'},"
        + "{'type':'file','file':{'file_data':'data:application/pdf;base64," + base64 + "','filename':'a.pdf'}}]}]}");
    RequestReader.read(Endpoint.CHAT_COMPLETIONS, body); // warm
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    LlmRequest r = RequestReader.read(Endpoint.CHAT_COMPLETIONS, body);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(r.mediaParts()).isEqualTo(1);
    assertThat(r.promptBound()).isEqualTo("Read\n".length());
    assertThat(allocated).as("bytes allocated reading a %d-byte body", body.length).isLessThan(4096);
  }
}
