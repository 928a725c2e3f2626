package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestReaderTest {

  private static LlmRequest read(Endpoint endpoint, String json) throws Exception {
    return RequestReader.read(endpoint, json.replace('\'', '"').getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void chatRequestsGiveTheirTextPartsToolsMessageCountAndOutputCap() throws Exception {
    LlmRequest r = read(Endpoint.CHAT_COMPLETIONS, "{'model':'gpt-4o','max_completion_tokens':300,"
        + "'messages':[{'role':'system','content':'Be brief.'},"
        + "{'role':'user','content':[{'type':'text','text':'What is in'},"
        + "{'type':'image_url','image_url':{'url':'data:image/png;base64,AAAABBBB'}}]},"
        + "{'role':'assistant','tool_calls':[{'id':'c1','type':'function','function':{'name':'f','arguments':'{\\'x\\':1}'}}]},"
        + "{'role':'tool','tool_call_id':'c1','content':'42'}],"
        + "'tools':[{'type':'function','function':{'name':'lookup'}}]}");

    assertThat(r.model()).isEqualTo("gpt-4o");
    assertThat(r.messageCount()).isEqualTo(4);
    assertThat(r.maxOutputTokens()).isEqualTo(300);
    assertThat(r.prompt().toString()).contains("Be brief.", "What is in", "{\"x\":1}", "42", "lookup")
        .doesNotContain("base64");
  }

  @Test
  void anthropicMessagesIncludeTheSystemBlocksAndToolResults() throws Exception {
    LlmRequest r = read(Endpoint.MESSAGES, "{'model':'claude-sonnet-4-5','max_tokens':1024,"
        + "'system':[{'type':'text','text':'You are terse.','cache_control':{'type':'ephemeral'}}],"
        + "'messages':[{'role':'user','content':'Hi'},"
        + "{'role':'assistant','content':[{'type':'tool_use','id':'t1','name':'calc','input':{'a':2}}]},"
        + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':[{'type':'text','text':'4'}]},"
        + "{'type':'image','source':{'type':'base64','media_type':'image/png','data':'AAAA'}}]}]}");

    assertThat(r.messageCount()).isEqualTo(3);
    assertThat(r.maxOutputTokens()).isEqualTo(1024);
    assertThat(r.prompt().toString()).contains("You are terse.", "Hi", "{\"a\":2}", "4").doesNotContain("AAAA");
  }

  @Test
  void responsesAndEmbeddingsReadTheirInput() throws Exception {
    LlmRequest responses = read(Endpoint.RESPONSES, "{'model':'gpt-5','instructions':'Answer in French.',"
        + "'max_output_tokens':64,'input':[{'role':'user','content':[{'type':'input_text','text':'Hello'}]},"
        + "{'type':'function_call_output','call_id':'c','output':'sunny'}]}");
    LlmRequest embeddings = read(Endpoint.EMBEDDINGS, "{'model':'text-embedding-3-small','input':['one','two']}");

    assertThat(responses.prompt().toString()).contains("Answer in French.", "Hello", "sunny");
    assertThat(responses.maxOutputTokens()).isEqualTo(64);
    assertThat(responses.messageCount()).isZero();
    assertThat(embeddings.prompt().toString()).contains("one", "two");
    assertThat(embeddings.maxOutputTokens()).isZero();
  }

  @Test
  void aBodyWithoutAModelIsReadWithoutOneAndOneThatIsNoObjectIsNotMetered() throws Exception {
    assertThat(read(Endpoint.CHAT_COMPLETIONS, "{'messages':[{'role':'user','content':'hi'}]}").model()).isNull();
    assertThat(read(Endpoint.CHAT_COMPLETIONS, "[1,2]")).isNull();
  }
}
