package dev.llmbudget.it.springai;

import dev.llmbudget.pricing.PriceTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ollama's chat API through Spring AI's {@code OllamaChatModel}. Local models price at zero in the
 * bundled table, which would make "charged exactly" vacuous, so these runs give llama3 a price.
 */
abstract class OllamaCase extends SpringAiContract {

  private static final String TABLE = "{\"llama3\": {\"litellm_provider\": \"ollama\", \"mode\": \"chat\","
      + " \"input_cost_per_token\": 0.000001, \"output_cost_per_token\": 0.000002}}";
  private static final Path TABLE_FILE = writeTable();

  private static Path writeTable() {
    try {
      Path dir = Files.createDirectories(Path.of("target"));
      return Files.writeString(dir.resolve("ollama-prices.json"), TABLE).toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  String provider() {
    return "ollama";
  }

  @Override
  String model() {
    return "llama3";
  }

  @Override
  String llmPath() {
    return "/api/chat";
  }

  @Override
  String extraAgentArgs() {
    return "prices=" + TABLE_FILE;
  }

  @Override
  PriceTable prices() {
    return PriceTable.fromLocation(TABLE_FILE.toString());
  }
}
