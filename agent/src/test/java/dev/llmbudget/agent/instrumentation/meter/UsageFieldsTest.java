package dev.llmbudget.agent.instrumentation.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmbudget.internal.SdkJson;
import dev.llmbudget.internal.UsageBytes;
import dev.llmbudget.internal.UsageJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The usage read in place (core's UsageBytes, which BodyMeter uses) and the trees of stream events built from tokens. */
class UsageFieldsTest {

  @Test
  void openAiAnthropicGeminiAndOllamaAnswersGiveTheUsageTheirTreeGives() throws Exception {
    for (String body : List.of(
        "{'id':'c','object':'chat.completion','model':'gpt-4o-mini-2024-07-18','choices':[{'index':0,'message':"
            + "{'role':'assistant','content':'Hi \\\"usage\\\":{}'},'finish_reason':'stop'}],'usage':{'prompt_tokens':12,"
            + "'completion_tokens':3,'total_tokens':15,'prompt_tokens_details':{'cached_tokens':2}}}",
        "{'id':'m','type':'message','role':'assistant','model':'claude-sonnet-4-5','content':[{'type':'text','text':'Hi'}],"
            + "'usage':{'input_tokens':10,'output_tokens':4,'cache_read_input_tokens':1}}",
        "{'candidates':[{'content':{'parts':[{'text':'Hi'}]}}],'usageMetadata':{'promptTokenCount':5,"
            + "'candidatesTokenCount':2},'modelVersion':'gemini-2.5-flash'}",
        "{'model':'llama3','message':{'content':'Hi'},'done':true,'prompt_eval_count':7,'eval_count':2}")) {
      byte[] b = body.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
      assertThat(UsageBytes.read(b, 0, b.length, "fallback"))
          .isEqualTo(UsageJson.fromResponse(SdkJson.MAPPER.readTree(b), "fallback")).isNotNull();
    }
  }

  @Test
  void aTreeBuiltFromTokensEqualsTheMappersTree() throws Exception {
    byte[] b = ("{'type':'message_start','message':{'id':'m','usage':{'input_tokens':3,'output_tokens':1},"
        + "'n':[1,-2,3.25,12345678901234,123456789012345678901234567890,true,false,null,'\u00e9',{}]}}")
        .replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    assertThat(UsageFields.tree(b, 0, b.length)).isEqualTo(SdkJson.MAPPER.readTree(b));
  }

  @Test
  void anAnswerWithoutUsageGivesNoneAndAListIsNotAnAnswer() throws Exception {
    byte[] b = "{\"choices\":[{\"message\":{\"content\":\"Hi\"}}]}".getBytes(StandardCharsets.UTF_8);
    assertThat(UsageBytes.read(b, 0, b.length, null)).isNull();
    byte[] list = "[{\"usage\":{\"prompt_tokens\":1}}]".getBytes(StandardCharsets.UTF_8);
    assertThat(UsageBytes.read(list, 0, list.length, null)).isNull();
  }
}
