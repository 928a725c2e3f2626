package dev.llmbudget.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading tables from files and URLs, and what a user sees when one is broken. */
class PriceTableLoadTest {

  @TempDir Path dir;

  private Path write(String name, String json) throws IOException {
    return Files.writeString(dir.resolve(name), json, StandardCharsets.UTF_8);
  }

  private Path bundledCopy() throws IOException {
    try (InputStream in = getClass().getResourceAsStream(PriceTable.DEFAULT_RESOURCE)) {
      Path copy = dir.resolve("prices.json");
      Files.copy(in, copy);
      return copy;
    }
  }

  @Test
  void theDefaultTableHoldsTheBundledModels() {
    PriceTable table = PriceTable.defaultTable();
    assertThat(table).isSameAs(PriceTable.defaultTable());
    assertThat(table.size()).isGreaterThan(2_000);
    assertThat(table.source()).contains("model_prices_and_context_window.json");
  }

  @Test
  void loadsFromAPathAFileUrlAndALocationString() throws IOException {
    Path file = bundledCopy();

    assertThat(PriceTable.load(file).require("gpt-4o").inputCostPerToken())
        .isEqualByComparingTo("2.5e-6");
    assertThat(PriceTable.load(file.toUri()).size()).isEqualTo(PriceTable.defaultTable().size());
    assertThat(PriceTable.fromLocation(file.toUri().toString()).source())
        .isEqualTo(file.toAbsolutePath().toString());
    assertThat(PriceTable.fromLocation(file.toString()).require("gpt-4o-mini").name())
        .isEqualTo("gpt-4o-mini");
  }

  @Test
  void loadsOverHttpAndNamesTheUrlWhenTheServerRefuses() throws IOException {
    byte[] body = Files.readAllBytes(bundledCopy());
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/prices.json", exchange -> {
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.createContext("/missing.json", exchange -> {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      PriceTable table = PriceTable.fromLocation(base + "/prices.json");
      assertThat(table.source()).isEqualTo(base + "/prices.json");
      assertThat(table.require("claude-sonnet-4-5").outputCostPerToken())
          .isEqualByComparingTo("1.5e-5");

      assertThatThrownBy(() -> PriceTable.load(URI.create(base + "/missing.json")))
          .isInstanceOf(PriceTableException.class)
          .hasMessageContaining(base + "/missing.json")
          .hasMessageContaining("404");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aSmallHandWrittenTableWorksAndIgnoresWhatItDoesNotNeed() throws IOException {
    Path file = write("own.json", "{\n"
        + "  \"comment\": \"not a model\",\n"
        + "  \"sample_spec\": {\"input_cost_per_token\": \"documentation, not a price\"},\n"
        + "  \"our-model\": {\"input_cost_per_token\": 0.000001, \"output_cost_per_token\": \"2e-6\",\n"
        + "     \"max_tokens\": \"lots\", \"max_input_tokens\": 2000000.0, \"mode\": 7,\n"
        + "     \"supports_vision\": {\"nested\": [1, 2, {\"x\": null}]},\n"
        + "     \"cache_read_input_token_cost\": null}\n"
        + "}\n");

    PriceTable table = PriceTable.load(file);
    ModelPrice price = table.require("our-model");
    assertThat(table.size()).isEqualTo(1);
    assertThat(price.outputCostPerToken()).isEqualByComparingTo("0.000002");
    assertThat(price.cacheReadCostPerToken()).isEqualByComparingTo("0.000001");
    assertThat(price.maxInputTokens()).hasValue(2_000_000);
    assertThat(price.maxOutputTokens()).isEmpty();
    assertThat(price.mode()).isEmpty();
    assertThat(price.inputCost(3)).isEqualTo(new BigDecimal("0.000003"));
  }

  @Test
  void aPriceWithAHugeExponentIsRejectedFastWithAShortMessage() throws IOException {
    Path file = write("prices.json", "{\"our-model\": {\"input_cost_per_token\": 1e100000000,"
        + " \"output_cost_per_token\": 1e-6}}");

    Throwable thrown = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(2),
        () -> org.assertj.core.api.Assertions.catchThrowable(() -> PriceTable.load(file)));

    assertThat(thrown).isInstanceOf(PriceTableException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("our-model")
        .hasMessageContaining("input_cost_per_token")
        .hasMessageEndingWith("got 1E+100000000");
    assertThat(thrown.getMessage()).hasSizeLessThan(file.toAbsolutePath().toString().length() + 200);
  }

  @Test
  void aTokenLimitWithAHugeExponentIsIgnoredFast() throws IOException {
    Path file = write("prices.json", "{\"our-model\": {\"input_cost_per_token\": 1e-6,"
        + " \"output_cost_per_token\": 1e-6, \"max_input_tokens\": 1e-100000000}}");

    PriceTable table = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(2),
        () -> PriceTable.load(file));

    assertThat(table.require("our-model").maxInputTokens()).isEmpty();
  }

  /** Issue 8 item 7: a price URL that drips its body cannot hang start-up past the deadline. */
  @Test
  void aPriceUrlThatDripsItsBodyIsCutOffAtTheDeadline() throws Exception {
    com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/prices.json", ex -> {
      ex.sendResponseHeaders(200, 0);
      try {
        for (int i = 0; i < 600; i++) {
          ex.getResponseBody().write(' ');
          ex.getResponseBody().flush();
          Thread.sleep(100);
        }
      } catch (InterruptedException | IOException e) {
        // the client gave up
      } finally {
        ex.close();
      }
    });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    try {
      java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/prices.json");
      long started = System.nanoTime();

      assertThatThrownBy(() -> PriceTable.download(uri, java.time.Duration.ofMillis(1500)))
          .isInstanceOf(PriceTableException.class)
          .hasMessageStartingWith(uri + ": could not fetch the price table: ")
          .hasMessageContaining("did not answer within 1500 ms");
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(5));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void notJson() throws IOException {
    Path file = write("prices.json", "this is not json");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageStartingWith(file.toAbsolutePath() + ":1:")
        .hasMessageContaining("not valid JSON");
  }

  /** An exponent past an int: the parser throws NumberFormatException, which must arrive as the table's error. */
  @Test
  void aNumberNoBigDecimalCanHoldNamesTheFileAndTheModel() throws IOException {
    Path file = write("prices.json", "{\"gpt-x\": {\"input_cost_per_token\": 1e99999999999, \"litellm_provider\": \"openai\"}}");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void truncatedFileNamesTheFileAndTheModelItStoppedIn() throws IOException {
    byte[] whole = Files.readAllBytes(bundledCopy());
    Path file = dir.resolve("truncated.json");
    Files.write(file, Arrays.copyOf(whole, whole.length / 2));

    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("model '")
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void topLevelMustBeAnObject() throws IOException {
    Path file = write("array.json", "[{\"input_cost_per_token\": 1e-6}]");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("top level must be a JSON object");
  }

  @Test
  void aPriceThatIsNotANumberNamesFileLineModelAndField() throws IOException {
    Path file = write("prices.json", "{\n"
        + "  \"good\": {\"input_cost_per_token\": 1e-6},\n"
        + "  \"bad-model\": {\n"
        + "    \"output_cost_per_token\": \"abc\"\n"
        + "  }\n"
        + "}\n");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageStartingWith(file.toAbsolutePath() + ":4:")
        .hasMessageContaining("model 'bad-model', field 'output_cost_per_token'")
        .hasMessageContaining("\"abc\"");
  }

  @Test
  void aPriceOfTheWrongJsonTypeIsRefused() throws IOException {
    Path file = write("prices.json", "{\"m\": {\"input_cost_per_token\": true}}");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining("model 'm', field 'input_cost_per_token'")
        .hasMessageContaining("a boolean");
  }

  @Test
  void aNegativePriceIsRefused() throws IOException {
    Path file = write("prices.json",
        "{\"m\": {\"input_cost_per_token\": 1e-6, \"cache_read_input_token_cost_above_200k_tokens\": -1e-7}}");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("model 'm', field 'cache_read_input_token_cost_above_200k_tokens'")
        .hasMessageContaining("cannot be negative");
  }

  @Test
  void aTableWithoutAnyPricedModelIsRefused() throws IOException {
    Path file = write("prices.json",
        "{\"sample_spec\": {\"input_cost_per_token\": 0.0}, \"dall-e\": {\"input_cost_per_image\": 0.04}, \"x\": 3}");
    assertThatThrownBy(() -> PriceTable.load(file))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining("no model with a token price");
  }

  @Test
  void aMissingFileAndAnUnsupportedSchemeAreNamed() {
    Path missing = dir.resolve("nope.json");
    assertThatThrownBy(() -> PriceTable.fromLocation(missing.toString()))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining(missing.toAbsolutePath().toString());
    assertThatThrownBy(() -> PriceTable.load(URI.create("ftp://example.com/prices.json")))
        .isInstanceOf(PriceTableException.class)
        .hasMessageContaining("ftp://example.com/prices.json");
  }
}
