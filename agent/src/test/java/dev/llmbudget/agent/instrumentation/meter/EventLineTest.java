package dev.llmbudget.agent.instrumentation.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.internal.SdkJson;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An event read in place gives the same text and model as the same event read as a tree. */
class EventLineTest {

  private static final List<String> EVENTS = List.of(
      // OpenAI chat chunks, with include_usage's "usage":null, escapes, non-ASCII and a tool call
      "{'id':'c1','object':'chat.completion.chunk','model':'gpt-4o-mini-2024-07-18','choices':[{'index':0,"
          + "'delta':{'role':'assistant','content':'','refusal':null},'logprobs':null,'finish_reason':null}],'usage':null}",
      "{'id':'c1','model':'gpt-4o-mini-2024-07-18','choices':[{'index':0,'delta':{'content':'Hello \\\"w\\\"\\n\\u00e9 中 😀 \\ud83d\\ude00'}}],'usage':null}",
      "{'id':'c1','model':'gpt-4o-mini-2024-07-18','choices':[{'index':0,'delta':{'tool_calls':[{'index':0,"
          + "'function':{'arguments':'{\\\"x\\\":1}'}}]}}]}",
      "{'choices':[{'index':0,'text':' legacy completion','logprobs':{'content':[{'token':'x'}]}}],'model':'gpt-3.5-turbo-instruct'}",
      // OpenAI Responses events: only the deltas are text; done events repeat it and must not count twice
      "{'type':'response.created','response':{'id':'r','output':[],'model':'gpt-5'}}",
      "{'type':'response.output_text.delta','item_id':'m','delta':'Bonjour'}",
      "{'type':'response.output_text.done','item_id':'m','text':'Bonjour'}",
      "{'type':'response.content_part.done','part':{'type':'output_text','text':'Bonjour'}}",
      "{'type':'response.output_item.done','item':{'content':[{'type':'output_text','text':'Bonjour'}]}}",
      "{'delta':' after','type':'response.refusal.delta'}",
      // Anthropic events
      "{'type':'content_block_start','index':0,'content_block':{'type':'text','text':''}}",
      "{'type':'content_block_delta','index':0,'delta':{'type':'text_delta','text':'Hi there'}}",
      "{'type':'content_block_delta','index':1,'delta':{'type':'input_json_delta','partial_json':'{\\\"a\\\":'}}",
      "{'type':'content_block_delta','index':2,'delta':{'type':'thinking_delta','thinking':'hmm'}}",
      "{'type':'content_block_delta','index':2,'delta':{'type':'signature_delta','signature':'sig'}}",
      "{'type':'ping'}",
      "{'type':'error','error':{'type':'overloaded_error','message':'Overloaded'}}");

  /** Whether the one-pass read stops at {@code b} as an event that reports usage. */
  private static boolean reportsUsage(byte[] b) {
    EventLine line = new EventLine(new StreamedText());
    line.readUnlessUsage(b, 0, b.length, "m");
    return line.sawUsage();
  }

  private static byte[] bytes(String event) {
    return event.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void eventsWithoutUsageGiveTheTextAndModelATreeGives() throws Exception {
    ChunkReader byTree = new ChunkReader("gpt-4o-mini");
    ChunkReader inPlace = new ChunkReader("gpt-4o-mini");
    for (String event : EVENTS) {
      byte[] b = bytes(event);
      assertThat(reportsUsage(b)).as(event).isFalse();
      byTree.chunk(SdkJson.MAPPER.readTree(b));
      byte[] padded = new byte[b.length + 4];
      System.arraycopy(b, 0, padded, 2, b.length);
      inPlace.event(padded, 2, 2 + b.length);
      assertThat(inPlace.text().toString()).as(event).isEqualTo(byTree.text().toString());
      assertThat(inPlace.model()).as(event).isEqualTo(byTree.model());
    }
    assertThat(inPlace.text().toString()).contains("Hello \"w\"\né 中 😀 😀", "{\"x\":1}", "Bonjour after", "Hi there{\"a\":hmm")
        .doesNotContain("BonjourBonjour", "sig", "Overloaded", "assistant");
  }

  @Test
  void usageEventsReadInPlaceGiveTheUsageTextAndModelATreeGives() throws Exception {
    for (String event : List.of(
        // OpenAI's last chunk with include_usage; Azure's carries text beside its usage
        "{'id':'c1','object':'chat.completion.chunk','created':1,'model':'gpt-4o-mini-2024-07-18','choices':[],"
            + "'usage':{'prompt_tokens':19,'completion_tokens':10,'total_tokens':29,"
            + "'prompt_tokens_details':{'cached_tokens':4},'completion_tokens_details':{'reasoning_tokens':3}}}",
        "{'model':'gpt-4o','choices':[{'index':0,'delta':{'content':'tail \\u00e9'}}],'usage':{'prompt_tokens':5,"
            + "'completion_tokens':2}}",
        // Gemini repeats a growing count in every chunk, beside its text
        "{'candidates':[{'content':{'parts':[{'text':'Hola'}],'role':'model'}}],'usageMetadata':{'promptTokenCount':7,"
            + "'candidatesTokenCount':2,'thoughtsTokenCount':1,'cachedContentTokenCount':3},'modelVersion':'gemini-2.5-flash'}",
        "{'model':'llama3','done':true,'prompt_eval_count':3,'eval_count':4}",
        // a member named "type" (a tool call), a typed event, a count only a parser reads: the tree
        "{'model':'gpt-4o','choices':[{'delta':{'tool_calls':[{'type':'function','function':{'arguments':'{}'}}]}}],"
            + "'usage':{'prompt_tokens':5,'completion_tokens':2}}",
        "{'type':'response.completed','response':{'model':'gpt-5','usage':{'input_tokens':3,'output_tokens':4,"
            + "'input_tokens_details':{'cached_tokens':1}}}}",
        "{'model':'gpt-4o','choices':[],'usage':{'prompt_tokens':5.0,'completion_tokens':2}}")) {
      byte[] b = bytes(event);
      ChunkReader byTree = new ChunkReader("gpt-4o-mini");
      ChunkReader inPlace = new ChunkReader("gpt-4o-mini");
      byTree.chunk(SdkJson.MAPPER.readTree(b));
      inPlace.event(b, 0, b.length);
      assertThat(inPlace.usage()).as(event).isNotNull().isEqualTo(byTree.usage());
      assertThat(inPlace.model()).as(event).isEqualTo(byTree.model());
      assertThat(inPlace.text().toString()).as(event).isEqualTo(byTree.text().toString());
    }
  }

  @Test
  void eventsThatReportUsageAreToldApart() {
    for (String event : List.of("{'choices':[],'usage':{'prompt_tokens':3,'completion_tokens':4}}",
        "{'type':'message_start','message':{'usage' :  {'input_tokens':3}}}",
        "{'type':'message_delta','usage':{'output_tokens':4}}",
        "{'type':'response.completed','response':{'usage':{'input_tokens':3}}}",
        "{'candidates':[],'usageMetadata':{'promptTokenCount':3}}",
        "{'model':'llama3','done':true,'prompt_eval_count':3,'eval_count':4}",
        "{'model':'llama3','done':true,'prompt_eval_count':3}")) {
      byte[] b = bytes(event);
      assertThat(reportsUsage(b)).as(event).isTrue();
    }
    byte[] quoted = bytes("{'choices':[{'delta':{'content':'the \\\"usage\\\": {} field'}}],'usage':null}");
    assertThat(reportsUsage(quoted)).isFalse();
    // only a member named so counts, not a string that says it; a null usage, spaced, counts neither
    for (String event : List.of("{'choices':[],'usage' :  null}", "{'tags':['usage','eval_count'],'note':'usage'}",
        "{'usages':{'prompt_tokens':3},'usag':1}")) {
      assertThat(reportsUsage(bytes(event))).as(event).isFalse();
    }
  }

  @Test
  void aTextChunkAllocatesNothingButItsKeptText() throws Exception {
    ChunkReader reader = new ChunkReader("gpt-4o-mini-2024-07-18");
    byte[] b = bytes("{'id':'chatcmpl-1','object':'chat.completion.chunk','created':1,'model':'gpt-4o-mini-2024-07-18',"
        + "'choices':[{'index':0,'delta':{'content':' word'},'logprobs':null,'finish_reason':null}],'usage':null}");
    for (int i = 0; i < 200; i++) {
      reader.event(b, 0, b.length);
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 100; i++) {
      reader.event(b, 0, b.length);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // Only the kept text grows (5 chars a chunk); a tree of each chunk took over 1 KB.
    assertThat(allocated).as("bytes allocated by 100 warm chunks").isLessThan(4096);
  }
}
