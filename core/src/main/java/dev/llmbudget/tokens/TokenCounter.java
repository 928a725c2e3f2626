package dev.llmbudget.tokens;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Placeholder until the tokens branch lands: o200k for everything. */
public final class TokenCounter {
  private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

  public static TokenCounter forModel(String model) {
    return new TokenCounter();
  }

  public static long upperBoundTokens(CharSequence text) {
    return text == null ? 0 : text.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  public int count(String text) {
    return text == null ? 0 : O200K.countTokens(text);
  }

  public int countMessages(List<?> messages) {
    return messages.size() * 3 + 3;
  }

  public int countMessages(JsonNode messages) {
    int n = 3;
    for (JsonNode m : messages) {
      n += 3 + count(m.path("content").asText(""));
    }
    return n;
  }
}
