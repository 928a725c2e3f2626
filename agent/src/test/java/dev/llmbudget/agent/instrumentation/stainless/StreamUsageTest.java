package dev.llmbudget.agent.instrumentation.stainless;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A streamed chat or completions request that does not ask for its usage is sent asking for it, in
 * the bytes the SDK made with only the option added; every other request is sent as it was made.
 */
class StreamUsageTest {

  private static final String MESSAGES = "'model':'gpt-5-mini','messages':[{'role':'user','content':'Hi {stream_options:{}}'}]";

  private static byte[] json(String s) {
    return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
  }

  /** What the seam sends for {@code body}: the rewritten bytes, or {@code null} for the SDK's own. */
  private static String sent(Endpoint endpoint, String body) throws Exception {
    byte[] bytes = json(body);
    RequestScan scan = RequestScan.of(endpoint, bytes);
    StreamUsage.Splice splice = StreamUsage.asked(endpoint, scan, bytes);
    if (splice == null) {
      return null;
    }
    byte[] asked = splice.applyTo(bytes);
    // What goes out is a request that asks for the usage and is otherwise the app's.
    RequestScan again = RequestScan.of(endpoint, asked);
    assertThat(again.includeUsage).isTrue();
    assertThat(StreamUsage.asked(endpoint, again, asked)).as("asked once, not twice").isNull();
    ObjectMapper mapper = new ObjectMapper();
    JsonNode before = mapper.readTree(bytes);
    JsonNode after = mapper.readTree(asked);
    assertThat(after.path("stream_options").path("include_usage").booleanValue()).isTrue();
    ((com.fasterxml.jackson.databind.node.ObjectNode) before).remove("stream_options");
    ((com.fasterxml.jackson.databind.node.ObjectNode) after).remove("stream_options");
    assertThat(after).isEqualTo(before);
    return new String(asked, StandardCharsets.UTF_8).replace('"', '\'');
  }

  @Test
  void aStreamWithoutStreamOptionsGetsThemAsItsFirstMember() throws Exception {
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':true}"))
        .isEqualTo("{'stream_options':{'include_usage':true}," + MESSAGES + ",'stream':true}");
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, " \n{ 'stream' : true }"))
        .isEqualTo(" \n{'stream_options':{'include_usage':true}, 'stream' : true }");
  }

  @Test
  void streamOptionsWithoutIncludeUsageGetItMergedIn() throws Exception {
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':true,'stream_options':{}}"))
        .isEqualTo("{" + MESSAGES + ",'stream':true,'stream_options':{'include_usage':true}}");
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{'stream_options':{ 'include_obfuscation':false },'stream':true," + MESSAGES + "}"))
        .isEqualTo("{'stream_options':{'include_usage':true, 'include_obfuscation':false },'stream':true," + MESSAGES + "}");
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{'stream':true,'stream_options':{ }}"))
        .isEqualTo("{'stream':true,'stream_options':{'include_usage':true }}");
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{'stream':true,'stream_options':null," + MESSAGES + "}"))
        .isEqualTo("{'stream':true,'stream_options':{'include_usage':true}," + MESSAGES + "}");
  }

  @Test
  void includeUsageFalseOrNullBecomesTrue() throws Exception {
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':true,'stream_options':{'include_usage':false}}"))
        .isEqualTo("{" + MESSAGES + ",'stream':true,'stream_options':{'include_usage':true}}");
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{'stream':true,'stream_options':{'x':1, 'include_usage' : null ,'y':[]}}"))
        .isEqualTo("{'stream':true,'stream_options':{'x':1, 'include_usage' : true ,'y':[]}}");
  }

  @Test
  void legacyCompletionsStreamsAskToo() throws Exception {
    assertThat(sent(Endpoint.COMPLETIONS, "{'model':'gpt-3.5-turbo-instruct','prompt':'Hi','stream':true}"))
        .isEqualTo("{'stream_options':{'include_usage':true},'model':'gpt-3.5-turbo-instruct','prompt':'Hi','stream':true}");
  }

  @Test
  void aRequestThatAskedAlreadyOrIsNoStreamIsSentAsTheSdkMadeIt() throws Exception {
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':true,'stream_options':{'include_usage':true}}"))
        .as("the app asked: its bytes go out unchanged").isNull();
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + "}")).as("not a stream").isNull();
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':false}")).as("not a stream").isNull();
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':false,'stream_options':{'include_usage':false}}"))
        .isNull();
    assertThat(sent(Endpoint.RESPONSES, "{'model':'gpt-5-mini','input':'Hi','stream':true}"))
        .as("Responses streams report usage in response.completed").isNull();
    assertThat(sent(Endpoint.MESSAGES, "{'model':'claude-sonnet-4-5','max_tokens':5,'messages':[],'stream':true}"))
        .isNull();
  }

  @Test
  void aBodyTheAgentIsUnsureOfIsSentAsItWas() throws Exception {
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':true,'stream_options':'yes'}")).isNull();
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{" + MESSAGES + ",'stream':true,'stream_options':[]}")).isNull();
    assertThat(sent(Endpoint.CHAT_COMPLETIONS, "{'stream':true,'stream_options':{},'stream_options':{}}")).isNull();
    assertThat(sent(Endpoint.CHAT_COMPLETIONS,
        "{'stream':true,'stream_options':{'include_usage':false,'include_usage':false}}")).isNull();
  }
}
