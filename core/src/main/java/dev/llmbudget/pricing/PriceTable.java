package dev.llmbudget.pricing;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import dev.llmbudget.internal.Bundled;
import dev.llmbudget.internal.RemoteReader;
import java.io.ByteArrayInputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-token prices of LLM models, read from a table in LiteLLM's
 * {@code model_prices_and_context_window.json} format, and the rules that map the model name a
 * call gives to one of its entries. Immutable and thread-safe; see {@code docs/pricing.md}.
 */
public final class PriceTable {

  static final String DEFAULT_RESOURCE =
      "/dev/llmbudget/pricing/model_prices_and_context_window.json";
  /** Beyond this many distinct names, answers are computed but no longer remembered. */
  static final int MAX_CACHED_NAMES = 10_000;
  /** The whole download, connect to last byte: a server that drips its body cannot hang start-up. */
  static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);
  /** LiteLLM's table is about 1.5 MB; 32 MB leaves room while refusing a runaway answer. */
  static final int MAX_DOWNLOAD_BYTES = 32 << 20;

  private final String source;
  private final Map<String, LazyPrice> byKey;
  /** The lower-case and bare-name forms, built on the first name that is not a key as it is. */
  private final NameForms nameForms;
  private final Map<String, ModelPrice> aliases;
  private final ConcurrentHashMap<String, Optional<ModelPrice>> resolved =
      new ConcurrentHashMap<>();

  private PriceTable(String source, Map<String, LazyPrice> byKey) {
    this.source = source;
    this.byKey = Collections.unmodifiableMap(byKey);
    this.nameForms = new NameForms(this.byKey);
    this.aliases = Map.of();
  }

  private PriceTable(PriceTable table, Map<String, ModelPrice> aliases) {
    this.source = table.source;
    this.byKey = table.byKey;
    this.nameForms = table.nameForms;
    this.aliases = aliases;
  }

  /**
   * The table's keys in lower case, and the bare names of keys with a provider prefix. Most calls
   * name a key as it is (the names SDKs send are LiteLLM's keys), so start-up does not walk the
   * ~2,500 keys to build these; the first name that needs them does, once.
   */
  private static final class NameForms {
    private final Map<String, LazyPrice> byKey;
    /** {@code [lower-case key -> entry, lower-case bare name -> entry]}, null until first needed. */
    private volatile List<Map<String, LazyPrice>> maps;

    NameForms(Map<String, LazyPrice> byKey) {
      this.byKey = byKey;
    }

    Map<String, LazyPrice> byLowerCaseKey() {
      return maps().get(0);
    }

    Map<String, LazyPrice> byLowerCaseBareName() {
      return maps().get(1);
    }

    /** Two threads may both build: each builds the same maps from the same keys. */
    private List<Map<String, LazyPrice>> maps() {
      List<Map<String, LazyPrice>> built = maps;
      if (built == null) {
        Map<String, LazyPrice> lowerCase = new HashMap<>(byKey.size() * 2);
        Map<String, LazyPrice> bareNames = new HashMap<>(byKey.size() * 2);
        for (Map.Entry<String, LazyPrice> e : byKey.entrySet()) {
          String key = e.getKey();
          lowerCase.putIfAbsent(key.toLowerCase(Locale.ROOT), e.getValue());
          if (key.indexOf('/') >= 0 && key.indexOf('*') < 0) {
            bareNames.merge(ModelNameForms.bareName(key).toLowerCase(Locale.ROOT), e.getValue(), PriceTable::dearer);
          }
        }
        built = List.of(lowerCase, bareNames);
        maps = built;
      }
      return built;
    }
  }

  /** The table bundled with llm-budget: LiteLLM's, as of the release. Parsed once, on first use. */
  public static PriceTable defaultTable() {
    return DefaultHolder.TABLE;
  }

  private static final class DefaultHolder {
    static final PriceTable TABLE = loadDefault();

    private static PriceTable loadDefault() {
      String source = "bundled " + DEFAULT_RESOURCE.substring(1);
      // The index the build compiled from the JSON: the same entries, without parsing 1.6 MB of
      // JSON. Missing only when the classes were built without Maven (an IDE); then the JSON.
      // Read from llm-budget's own jar (Bundled), never an app's copy of another version.
      try (InputStream index = Bundled.open(PriceIndex.RESOURCE)) {
        Map<String, LazyPrice> models = index == null ? null : PriceIndex.readLazily(index);
        if (models != null) {
          return new PriceTable(source, models);
        }
      } catch (IOException e) {
        // A damaged index: the JSON it was compiled from is right beside it.
      }
      try (InputStream in = Bundled.open(DEFAULT_RESOURCE)) {
        if (in == null) {
          throw new PriceTableException("The bundled price table " + DEFAULT_RESOURCE
              + " is missing from the llm-budget jar");
        }
        return parse(in, source);
      } catch (IOException e) {
        throw new PriceTableException("The bundled price table " + DEFAULT_RESOURCE + " cannot be read: " + e, e);
      }
    }
  }

  /** Reads a table from a file. */
  public static PriceTable load(Path file) {
    String source = file.toAbsolutePath().toString();
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, source);
    } catch (NoSuchFileException e) {
      throw new PriceTableException(source + ": no such price table file", e);
    } catch (IOException e) {
      throw new PriceTableException(source + ": could not read the price table: " + e, e);
    }
  }

  /**
   * Reads a table from an {@code http:}, {@code https:} or {@code file:} URI. A download must end
   * within 10 s and stay under 32 MB.
   */
  public static PriceTable load(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "file":
        return load(Path.of(uri));
      case "http":
      case "https":
        return download(uri);
      default:
        throw new PriceTableException(uri + ": a price table URI must be http:, https: or file:");
    }
  }

  /** Reads the table that {@code llmbudget.prices} names: a file path or a URL. */
  public static PriceTable fromLocation(String fileOrUrl) {
    String location = Objects.requireNonNull(fileOrUrl, "fileOrUrl").trim();
    String lower = location.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://") || lower.startsWith("file:")) {
      return load(URI.create(location));
    }
    return load(Path.of(location));
  }

  /** Reads a table from a stream, which it does not close; {@code sourceName} goes in errors. */
  public static PriceTable parse(InputStream in, String sourceName) {
    Map<String, LazyPrice> models = new LinkedHashMap<>();
    PriceTableParser.parse(in, sourceName).forEach((model, price) -> models.put(model, LazyPrice.of(price)));
    return new PriceTable(sourceName, models);
  }

  private static PriceTable download(URI uri) {
    return download(uri, HTTP_TIMEOUT);
  }

  static PriceTable download(URI uri, Duration deadline) {
    byte[] body;
    try {
      body = RemoteReader.instance().get(uri, deadline, MAX_DOWNLOAD_BYTES);
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new PriceTableException(uri + ": interrupted while fetching the price table", e);
    } catch (IOException e) {
      throw new PriceTableException(uri + ": could not fetch the price table: " + e.getMessage(), e);
    }
    return parse(new ByteArrayInputStream(body), uri.toString());
  }

  /**
   * A table in which each alias (an Azure deployment name, say) prices as the model it names.
   * Aliases are matched exactly or ignoring case, before any other rule.
   *
   * @throws IllegalArgumentException if a target model does not resolve in this table
   */
  public PriceTable withAliases(Map<String, String> aliasToModel) {
    Map<String, ModelPrice> merged = new HashMap<>(aliases);
    aliasToModel.forEach((alias, model) -> {
      ModelPrice target = resolveByName(model).orElseThrow(() -> new IllegalArgumentException(
          "alias '" + alias + "' names model '" + model + "', which is not in the price table ("
              + source + ")"));
      merged.put(alias.toLowerCase(Locale.ROOT), target);
    });
    return new PriceTable(this, Map.copyOf(merged));
  }

  /**
   * The price of a model, found by the rules in {@code docs/pricing.md}: alias, exact key, key
   * ignoring case, provider prefix and snapshot or version suffix stripped, Bedrock region
   * stripped, provider prefix added. Empty when no rule finds it.
   */
  public Optional<ModelPrice> resolve(String model) {
    if (model == null) {
      return Optional.empty();
    }
    Optional<ModelPrice> known = resolved.get(model);
    if (known != null) {
      return known;
    }
    ModelPrice alias = aliases.isEmpty() ? null : aliases.get(model.toLowerCase(Locale.ROOT));
    Optional<ModelPrice> answer = alias != null ? Optional.of(alias) : resolveByName(model);
    if (resolved.size() < MAX_CACHED_NAMES) {
      resolved.putIfAbsent(model, answer);
    }
    return answer;
  }

  /**
   * Like {@link #resolve} but for callers that must have a price.
   *
   * @throws UnknownModelException naming the model and this table
   */
  public ModelPrice require(String model) {
    return resolve(model).orElseThrow(() -> new UnknownModelException(model, source));
  }

  private Optional<ModelPrice> resolveByName(String model) {
    String name = model.trim();
    LazyPrice exact = byKey.get(name);
    if (exact != null) {
      return Optional.of(exact.get());
    }
    var forms = ModelNameForms.of(name.toLowerCase(Locale.ROOT));
    for (String form : forms) {
      LazyPrice price = nameForms.byLowerCaseKey().get(form);
      if (price != null) {
        return Optional.of(price.get());
      }
    }
    for (String form : forms) {
      LazyPrice price = nameForms.byLowerCaseBareName().get(form);
      if (price != null) {
        return Optional.of(price.get());
      }
    }
    return Optional.empty();
  }

  /** When providers share a bare name, the dearer price: a budget should err on the safe side. */
  private static LazyPrice dearer(LazyPrice a, LazyPrice b) {
    return LazyPrice.either(a, b, PriceTable::dearer);
  }

  private static ModelPrice dearer(ModelPrice a, ModelPrice b) {
    BigDecimal costA = a.inputCostPerToken().add(a.outputCostPerToken());
    BigDecimal costB = b.inputCostPerToken().add(b.outputCostPerToken());
    return costB.compareTo(costA) > 0 ? b : a;
  }

  /** Where the table came from: a file path, a URL or the bundled resource. */
  public String source() {
    return source;
  }

  /** How many names have a remembered answer; for tests of the cache bound. */
  int cachedNameCount() {
    return resolved.size();
  }

  /** How many priced models the table holds. */
  public int size() {
    return byKey.size();
  }

  @Override
  public String toString() {
    return "PriceTable[" + source + ", " + byKey.size() + " models"
        + (aliases.isEmpty() ? "" : ", " + aliases.size() + " aliases") + "]";
  }
}
