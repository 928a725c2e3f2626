package dev.llmbudget.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.Usage;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageBytesTest {

  /** Whole answers of every provider UsageJson reads, with the shapes that trip a byte reader. */
  private static final List<String> READ_IN_PLACE = List.of(
      "{'id':'chatcmpl-1','object':'chat.completion','created':1,'model':'gpt-4o-mini-2024-07-18',"
          + "'choices':[{'index':0,'message':{'role':'assistant','content':'Hi {\\\"usage\\\": [1]} \\\\ done',"
          + "'refusal':null},'logprobs':null,'finish_reason':'stop'}],"
          + "'usage':{'prompt_tokens':19,'completion_tokens':10,'total_tokens':29,"
          + "'prompt_tokens_details':{'cached_tokens':0,'audio_tokens':0},"
          + "'completion_tokens_details':{'reasoning_tokens':0,'audio_tokens':0,'accepted_prediction_tokens':0}},"
          + "'service_tier':'default','system_fingerprint':'fp_1'}",
      "{'model':'o3-mini','usage':{'prompt_tokens':100,'completion_tokens':50,"
          + "'prompt_tokens_details':{'cached_tokens':40},'completion_tokens_details':{'reasoning_tokens':30}}}",
      "{'model':'o3','usage':{'prompt_tokens':10,'completion_tokens':5,"
          + "'prompt_tokens_details':{'cached_tokens':40},'completion_tokens_details':{'reasoning_tokens':30}}}",
      " \n{ \"model\" : \"gpt-4o\" ,\r\n \"usage\" : { \"prompt_tokens\" : 7 , \"completion_tokens\" : -3 } } ",
      "{'object':'response','model':'gpt-4.1','output':[{'type':'message','content':[{'type':'output_text',"
          + "'text':'x'}]}],'usage':{'input_tokens':10,'output_tokens':5,'total_tokens':15,"
          + "'input_tokens_details':{'cached_tokens':4},'output_tokens_details':{'reasoning_tokens':2}}}",
      "{'object':'list','data':[{'embedding':[0.1,-2.5e-3,3]}],'model':'text-embedding-3-small',"
          + "'usage':{'prompt_tokens':8,'total_tokens':8}}",
      "{'type':'message','model':'claude-3-5-haiku-20241022','content':[{'type':'text','text':'ok'}],"
          + "'usage':{'input_tokens':10,'output_tokens':3,'cache_read_input_tokens':7,'cache_creation_input_tokens':5}}",
      "{'type':'message','model':'m','usage':{'input_tokens':10,'output_tokens':3,"
          + "'cache_creation_input_tokens':5,'cache_creation':{'ephemeral_5m_input_tokens':2,'ephemeral_1h_input_tokens':3}}}",
      "{'type':'message','model':'m','usage':{'input_tokens':10,'output_tokens':3,"
          + "'cache_creation_input_tokens':5,'cache_creation':{}}}",
      "{'type':'message','model':'m','usage':{'input_tokens':10,'output_tokens':3,"
          + "'cache_creation_input_tokens':5,'cache_creation':null}}",
      "{'modelVersion':'gemini-2.5-flash','candidates':[{'content':{'parts':[{'text':'hi'}]}}],"
          + "'usageMetadata':{'promptTokenCount':100,'candidatesTokenCount':20,'cachedContentTokenCount':30,"
          + "'thoughtsTokenCount':10,'toolUsePromptTokenCount':5,'promptTokensDetails':[{'modality':'TEXT','tokenCount':100}]}}",
      "{'output':{'message':{}},'usage':{'inputTokens':12,'outputTokens':4,'cacheReadInputTokens':2,"
          + "'cacheWriteInputTokens':1,'totalTokens':19},'metrics':{'latencyMs':5}}",
      "{'model':'llama3','done':true,'prompt_eval_count':9,'eval_count':4}",
      // audio: more audio than the uncached prompt or the output has room for; odd modality lists
      "{'model':'gpt-audio','usage':{'prompt_tokens':10,'completion_tokens':5,'prompt_tokens_details':"
          + "{'cached_tokens':4,'audio_tokens':9},'completion_tokens_details':{'reasoning_tokens':2,'audio_tokens':9}}}",
      "{'modelVersion':'gemini-2.5-flash','usageMetadata':{'promptTokenCount':10,'candidatesTokenCount':4,"
          + "'promptTokensDetails':[null,7,{'modality':'AUDIO'},{'tokenCount':3},{'modality':null,'tokenCount':2},"
          + "{'modality':'AUDIO','tokenCount':-1,'x':[{}]},{'modality':'AUDIO','tokenCount':6},{}],"
          + "'cacheTokensDetails':{'modality':'AUDIO','tokenCount':1},'candidatesTokensDetails':"
          + "[{'modality':'audio','tokenCount':1},{'modality':'AUDIO','tokenCount':3},{'modality':'AUDIO','tokenCount':9}]}}",
      "{'modelVersion':'m','usageMetadata':{'promptTokenCount':10,'promptTokensDetails':[],'candidatesTokensDetails':null}}",
      "{'id':'c','object':'chat.completion.chunk','model':'gpt-5','service_tier':'priority','choices':[],"
          + "'usage':{'prompt_tokens':4,'completion_tokens':2,'total_tokens':6}}",
      "{'id':'r','object':'response','model':'o3','service_tier':'turbo','usage':{'input_tokens':4,"
          + "'output_tokens':2,'total_tokens':6}}",
      "{'model':'gpt-5','service_tier':null,'usage':{'prompt_tokens':4,'completion_tokens':2}}",
      "{'model':'gpt-5','service_tier':'  ','usage':{'prompt_tokens':4,'completion_tokens':2}}",
      "{'model':'   ','usage':{'prompt_tokens':1,'completion_tokens':1}}",
      "{'model':null,'modelVersion':'v','usage':{'prompt_tokens':1,'completion_tokens':1}}",
      "{'model':5,'usage':{'prompt_tokens':'1','completion_tokens':true}}",
      "{'usage':null,'usageMetadata':{'promptTokenCount':3}}",
      "{'usage':{'total_tokens':3},'eval_count':2}",
      "{'model':'gpt-4o'}",
      "{}");

  /** Answers only a parser reads exactly: this reader must leave them to it. */
  private static final List<String> LEFT_TO_THE_PARSER = List.of(
      "[{'model':'a','usage':{'prompt_tokens':1}}]",
      "{'model':'gpt-\\u0034o','usage':{'prompt_tokens':1,'completion_tokens':1}}",
      "{'model':'gpt-4o','us\\u0061ge':{'prompt_tokens':1,'completion_tokens':1}}",
      "{'model':'gpt-4o','usage':{'prompt_tokens':1.0,'completion_tokens':1}}",
      "{'model':'gpt-4o','usage':{'prompt_tokens':12345678901234567890,'completion_tokens':1}}",
      "{'model':'gpt-4o','usage':{'prompt_tokens':1},'usage':{'prompt_tokens':2}}",
      "{'model':'gpt-4o','usage':{'prompt_tokens':1,'completion_tokens':1}",
      "{'model':'gpt-4o' 'usage':{}}",
      "{'model':'gpt-4o','usage':{'prompt_tokens':01}}",
      "{'usageMetadata':{'promptTokenCount':10,'promptTokensDetails':[{'modality':'AUDI\\u004f','tokenCount':3}]}}",
      "{'usageMetadata':{'promptTokenCount':10,'promptTokensDetails':[{'modality':'AUDIO','tokenCount':3.0}]}}",
      "{'usageMetadata':{'promptTokenCount':10,'promptTokensDetails':[{'modality':'AUDIO','modality':'TEXT'}]}}",
      "{'usageMetadata':{'promptTokenCount':10,'promptTokensDetails':[{'modality':'AUDIO','tokenCount':3}}}",
      "");

  private static byte[] bytes(String json) {
    return json.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  private static Usage fromTree(byte[] json) throws Exception {
    return UsageJson.fromResponse(SdkJson.MAPPER.readTree(json), "fallback-model");
  }

  @Test
  void readsWhatTheTreeReadsForEveryProvidersAnswer() throws Exception {
    for (String json : READ_IN_PLACE) {
      byte[] b = bytes(json);
      Usage tree = fromTree(b);
      if (tree == null) {
        assertThat(UsageBytes.read(b, 0, b.length, "fallback-model")).as(json).isNull();
      } else {
        assertThat(UsageBytes.read(b, 0, b.length, "fallback-model")).as(json).isEqualTo(tree);
      }
    }
  }

  @Test
  void readsFromTheMiddleOfABuffer() throws Exception {
    byte[] b = bytes("xx{'model':'m','usage':{'prompt_tokens':3,'completion_tokens':2}}yy");
    assertThat(UsageBytes.read(b, 2, b.length - 2, null)).isEqualTo(Usage.of("m", 3, 2));
    assertThat(UsageBytes.read(b, 2, b.length - 4, null)).as("cut before its end").isNull();
  }

  @Test
  void leavesToTheParserWhatOnlyAParserReadsExactly() {
    for (String json : LEFT_TO_THE_PARSER) {
      byte[] b = bytes(json);
      assertThat(UsageBytes.read(b, 0, b.length, "fallback-model")).as(json).isNull();
    }
  }

  @Test
  void aShortAnswerIsReadWithAFewSmallObjects() {
    byte[] b = bytes(READ_IN_PLACE.get(0));
    for (int i = 0; i < 2000; i++) {
      UsageBytes.read(b, 0, b.length, "gpt-4o-mini"); // compiled, so escape analysis counts as it will
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    Usage u = UsageBytes.read(b, 0, b.length, "gpt-4o-mini");
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(u).isEqualTo(new Usage("gpt-4o-mini-2024-07-18", 19, 10, 0, 0, 0, 0, false, "default"));
    System.out.println("UsageBytesTest: bytes allocated reading a " + b.length + "-byte answer: " + allocated);
    // the model's name and the Usage (the reader and its counts are the thread's, reused): a new
    // reader per answer took 400 B, a tree and its parser ~1.5 KB
    assertThat(allocated).as("bytes allocated reading a %d-byte answer", b.length).isLessThan(160);
  }

  @Test
  void anAnswerNamingTheRequestedModelGetsTheRequestsStringAndTheNextAnswerStartsAfresh() {
    byte[] b = bytes("{'model':'gpt-4o-mini','usage':{'prompt_tokens':7,'completion_tokens':3}}");
    String requested = new String("gpt-4o-mini");
    Usage u = UsageBytes.read(b, 0, b.length, requested);

    assertThat(u).isEqualTo(Usage.of("gpt-4o-mini", 7, 3));
    assertThat(u.model()).isSameAs(requested);
    // the reader is reused: nothing of the previous answer (its model, its counts) leaks into the next
    byte[] bare = bytes("{'usage':{'input_tokens':2,'output_tokens':1}}");
    assertThat(UsageBytes.read(bare, 0, bare.length, "claude-3-5-haiku"))
        .isEqualTo(new Usage("claude-3-5-haiku", 2, 1, 0, 0, 0, 0, false));
    assertThat(UsageBytes.read(bytes("{'model':'x'}"), 0, 13, "y")).isNull();
  }

  @Test
  void readsTheServiceTierOfAChatCompletionAStreamsLastChunkAndAResponsesObject() {
    byte[] chat = bytes("{'id':'chatcmpl-1','object':'chat.completion','model':'gpt-5-2025-08-07','choices':[],"
        + "'usage':{'prompt_tokens':12,'completion_tokens':5},'service_tier':'priority','system_fingerprint':null}");
    Usage u = UsageBytes.read(chat, 0, chat.length, "gpt-5");
    assertThat(u).isEqualTo(new Usage("gpt-5-2025-08-07", 12, 5, 0, 0, 0, 0, false, "priority"));
    assertThat(u.serviceTier()).as("the shared constant, not a copy").isSameAs(UsageJson.PRIORITY_TIER);

    // the last chunk of a stream with stream_options.include_usage: no choices, the usage, the tier
    byte[] last = bytes("{'id':'chatcmpl-1','object':'chat.completion.chunk','created':1,'model':'gpt-5',"
        + "'service_tier':'flex','system_fingerprint':'fp','choices':[],'usage':{'prompt_tokens':12,"
        + "'completion_tokens':5,'total_tokens':17,'prompt_tokens_details':{'cached_tokens':2}}}");
    assertThat(UsageBytes.read(last, 0, last.length, "gpt-5"))
        .isEqualTo(new Usage("gpt-5", 10, 5, 2, 0, 0, 0, false, "flex"));

    // a Responses object, as a blocking answer and as response.completed's response carry it
    byte[] response = bytes("{'id':'resp_1','object':'response','status':'completed','model':'o3',"
        + "'output':[],'service_tier':'priority','usage':{'input_tokens':30,'input_tokens_details':"
        + "{'cached_tokens':0},'output_tokens':9,'output_tokens_details':{'reasoning_tokens':4},'total_tokens':39}}");
    assertThat(UsageBytes.read(response, 0, response.length, "o3"))
        .isEqualTo(new Usage("o3", 30, 9, 0, 0, 0, 4, false, "priority"));

    byte[] noTier = bytes("{'model':'gpt-5','usage':{'prompt_tokens':1,'completion_tokens':1}}");
    assertThat(UsageBytes.read(noTier, 0, noTier.length, "gpt-5").serviceTier()).isNull();
    byte[] huge = bytes("{'model':'gpt-5','service_tier':'" + "x".repeat(33) + "','usage':{'prompt_tokens':1}}");
    assertThat(UsageBytes.read(huge, 0, huge.length, "gpt-5").serviceTier()).as("not a tier name").isNull();
  }

  @Test
  void readsTheAudioOfAChatCompletionAStreamsUsageChunkAndAGeminiAnswer() throws Exception {
    // gpt-4o-audio-preview answering in audio: audio_tokens are parts of prompt_tokens and completion_tokens
    byte[] chat = bytes("{'id':'chatcmpl-A','object':'chat.completion','created':1,"
        + "'model':'gpt-4o-audio-preview-2024-12-17','choices':[{'index':0,'message':{'role':'assistant',"
        + "'content':null,'refusal':null,'audio':{'id':'audio_1','data':'UklGRg==','expires_at':1,"
        + "'transcript':'Hello'}},'finish_reason':'stop'}],'usage':{'prompt_tokens':1000,'completion_tokens':500,"
        + "'total_tokens':1500,'prompt_tokens_details':{'cached_tokens':0,'audio_tokens':600,'text_tokens':400,"
        + "'image_tokens':0},'completion_tokens_details':{'reasoning_tokens':0,'audio_tokens':400,"
        + "'accepted_prediction_tokens':0,'rejected_prediction_tokens':0,'text_tokens':100}},"
        + "'service_tier':'default','system_fingerprint':'fp_1'}");
    Usage blocking = new Usage("gpt-4o-audio-preview-2024-12-17", 1_000, 500, 0, 0, 0, 0, false, "default", 600, 400);
    assertThat(UsageBytes.read(chat, 0, chat.length, "gpt-4o-audio-preview")).isEqualTo(blocking);
    assertThat(fromTree(chat)).isEqualTo(blocking);

    // the last chunk of a stream (stream_options.include_usage), with a cached part of the prompt
    byte[] last = bytes("{'id':'chatcmpl-A','object':'chat.completion.chunk','created':1,"
        + "'model':'gpt-4o-audio-preview-2024-12-17','service_tier':'default','system_fingerprint':'fp',"
        + "'choices':[],'usage':{'prompt_tokens':1000,'completion_tokens':500,'total_tokens':1500,"
        + "'prompt_tokens_details':{'cached_tokens':200,'audio_tokens':600},"
        + "'completion_tokens_details':{'reasoning_tokens':0,'audio_tokens':400}}}");
    Usage streamed = new Usage("gpt-4o-audio-preview-2024-12-17", 800, 500, 200, 0, 0, 0, false, "default", 600, 400);
    assertThat(UsageBytes.read(last, 0, last.length, "gpt-4o-audio-preview")).isEqualTo(streamed);
    assertThat(fromTree(last)).isEqualTo(streamed);

    // Gemini: the prompt's AUDIO beyond the cache's is uncached audio input; the candidates' AUDIO is audio output
    byte[] gemini = bytes("{'candidates':[{'content':{'role':'model','parts':[{'inlineData':{'mimeType':"
        + "'audio/pcm','data':'AAAA'}}]},'finishReason':'STOP'}],'usageMetadata':{'promptTokenCount':3000,"
        + "'candidatesTokenCount':200,'totalTokenCount':3300,'cachedContentTokenCount':1000,'thoughtsTokenCount':100,"
        + "'promptTokensDetails':[{'modality':'TEXT','tokenCount':500},{'modality':'AUDIO','tokenCount':2500}],"
        + "'cacheTokensDetails':[{'modality':'AUDIO','tokenCount':1000}],"
        + "'candidatesTokensDetails':[{'tokenCount':50,'modality':'AUDIO'},{'modality':'TEXT','tokenCount':150}]},"
        + "'modelVersion':'gemini-2.5-flash','responseId':'r1'}");
    Usage g = new Usage("gemini-2.5-flash", 2_000, 300, 1_000, 0, 0, 100, false, null, 1_500, 50);
    assertThat(UsageBytes.read(gemini, 0, gemini.length, "gemini-2.5-flash")).isEqualTo(g);
    assertThat(fromTree(gemini)).isEqualTo(g);
    // priced at gemini-2.5-flash's audio input rate: 2,430,000,000 picodollars (ModelPriceAudioTest works it out)
    assertThat(dev.llmbudget.pricing.PriceTable.defaultTable().require("gemini-2.5-flash").costPicos(g))
        .isEqualTo(2_430_000_000L);
  }

  @Test
  void aGeminiAnswerWithModalityListsIsReadInPlaceWithAFewSmallObjects() {
    byte[] b = bytes("{'candidates':[{'content':{'role':'model','parts':[{'text':'Hello'}]},'finishReason':'STOP'}],"
        + "'usageMetadata':{'promptTokenCount':3000,'candidatesTokenCount':200,'totalTokenCount':3200,"
        + "'promptTokensDetails':[{'modality':'TEXT','tokenCount':500},{'modality':'AUDIO','tokenCount':2500}],"
        + "'candidatesTokensDetails':[{'modality':'TEXT','tokenCount':200}]},"
        + "'modelVersion':'gemini-2.5-flash','responseId':'r1'}");
    for (int i = 0; i < 2000; i++) {
      UsageBytes.read(b, 0, b.length, "gemini-2.5-flash");
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    Usage u = UsageBytes.read(b, 0, b.length, "gemini-2.5-flash");
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(u).isEqualTo(Usage.of("gemini-2.5-flash", 3_000, 200).withAudio(2_500, 0));
    System.out.println("UsageBytesTest: bytes allocated reading a " + b.length + "-byte Gemini answer: " + allocated);
    // the Usage alone (the model is the caller's string): the lists are read, not handed to a parser (~1.5 KB)
    assertThat(allocated).as("bytes allocated reading a %d-byte Gemini answer", b.length).isLessThan(160);
  }
}
