package dev.llmbudget.agent.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.llmbudget.testkit.ChildApp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A child app that receives a huge answer through openai-java and prints what it got: {@code
 * HugeAnswerApp <baseUrl> <step>...}, a step being {@code sync} or {@code stream} with an optional
 * {@code @user}; each prints {@code ANSWER <action> <chars> <crc32 of the UTF-8 text>}.
 */
public final class HugeAnswerApp {

  public static void main(String[] args) throws Exception {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(args[0] + "/v1").apiKey("sk-test").maxRetries(0).build();
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(OpenAiCalls.MODEL)
        .addUserMessage("Write me a very long story.").maxCompletionTokens(100).build();
    ChildApp.runSteps(action -> {
      CRC32 crc = new CRC32();
      long chars = 0;
      if (action.equals("sync")) {
        String text;
        try {
          text = client.chat().completions().create(params).choices().get(0).message().content().orElse("");
        } catch (RuntimeException e) {
          e.printStackTrace(); // the cause (e.g. an OutOfMemoryError) is what the test report needs
          throw e;
        }
        chars = text.length();
        crc.update(text.getBytes(StandardCharsets.UTF_8));
      } else {
        ChatCompletionCreateParams p = params.toBuilder()
            .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
          for (ChatCompletionChunk c : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
            for (ChatCompletionChunk.Choice choice : c.choices()) {
              String piece = choice.delta().content().orElse("");
              chars += piece.length();
              crc.update(piece.getBytes(StandardCharsets.UTF_8));
            }
          }
        }
      }
      System.out.println("ANSWER " + action + " " + chars + " " + Long.toHexString(crc.getValue()));
    }, Arrays.copyOfRange(args, 1, args.length));
    System.exit(0);
  }
}
