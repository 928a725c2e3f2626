package dev.llmbudget.pricing;

import java.io.ByteArrayInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The bundled price table compiled at build time into a compact binary form, so that start-up
 * reads ~240 KB of names and plain numbers instead of parsing 1.6 MB of JSON (and loads no JSON
 * parser); each price is decoded from its record when a call first names its model.
 * The build runs {@link #main} on the bundled JSON; user tables ({@code llmbudget.prices}) stay
 * JSON. It holds exactly what {@link PriceTableParser} hands on, in file order, so both give equal
 * tables ({@code PriceIndexTest} compares every entry).
 *
 * <p>Format (big-endian, {@link DataOutputStream}): magic, version, a table of the strings that
 * repeat (providers, modes, price fields), then per entry its name, provider, mode, token limits
 * and prices; a price is its unscaled value and scale when the value fits a long, else its text.
 */
public final class PriceIndex {

  static final String RESOURCE = "/dev/llmbudget/pricing/model_prices.idx";
  private static final int MAGIC = 0x4c4c4d50; // "LLMP"
  private static final int VERSION = 1;

  private PriceIndex() {}

  /** Build step: {@code PriceIndex <table.json> <out.idx>}. */
  public static void main(String[] args) throws IOException {
    Path json = Path.of(args[0]);
    Path out = Path.of(args[1]);
    Files.createDirectories(out.toAbsolutePath().getParent());
    try (InputStream in = Files.newInputStream(json); OutputStream o = Files.newOutputStream(out)) {
      write(in, json.toString(), o);
    }
  }

  /** Compiles a LiteLLM-format table; errors are the parser's. */
  static void write(InputStream json, String source, OutputStream out) throws IOException {
    List<Object[]> entries = new ArrayList<>();
    Map<String, Integer> strings = new LinkedHashMap<>();
    PriceTableParser.parse(json, source, (model, provider, mode, maxInput, maxOutput, prices) -> {
      entries.add(new Object[] {model, provider, mode, maxInput, maxOutput, new LinkedHashMap<>(prices)});
      strings.putIfAbsent(provider, strings.size());
      strings.putIfAbsent(mode, strings.size());
      prices.keySet().forEach(field -> strings.putIfAbsent(field, strings.size()));
    });
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out));
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeInt(strings.size());
    for (String s : strings.keySet()) {
      data.writeUTF(s);
    }
    data.writeInt(entries.size());
    for (Object[] e : entries) {
      data.writeUTF((String) e[0]);
      data.writeShort(strings.get((String) e[1]));
      data.writeShort(strings.get((String) e[2]));
      data.writeLong((Long) e[3]);
      data.writeLong((Long) e[4]);
      @SuppressWarnings("unchecked")
      Map<String, BigDecimal> prices = (Map<String, BigDecimal>) e[5];
      data.writeByte(prices.size());
      for (Map.Entry<String, BigDecimal> p : prices.entrySet()) {
        data.writeShort(strings.get(p.getKey()));
        BigDecimal price = p.getValue();
        if (price.unscaledValue().bitLength() < 64) {
          data.writeByte(0);
          data.writeLong(price.unscaledValue().longValue());
          data.writeInt(price.scale());
        } else {
          data.writeByte(1);
          data.writeUTF(price.toString());
        }
      }
    }
    data.flush();
  }

  /** The entries of a compiled table, in file order; {@code null} when it is not one this version reads. */
  static Map<String, ModelPrice> read(InputStream in) throws IOException {
    Map<String, LazyPrice> lazy = readLazily(in);
    if (lazy == null) {
      return null;
    }
    Map<String, ModelPrice> models = new LinkedHashMap<>(lazy.size() * 4 / 3 + 1);
    lazy.forEach((model, price) -> models.put(model, price.get()));
    return models;
  }

  /**
   * The names of a compiled table, in file order, each with the place of its record: a price is
   * decoded when it is first asked for ({@link LazyPrice}), so start-up builds no price at all;
   * {@code null} when it is not a table this version reads.
   */
  static Map<String, LazyPrice> readLazily(InputStream in) throws IOException {
    byte[] bytes = in.readAllBytes();
    // One loop over the bytes with a cursor, not a DataInputStream: start-up walks ~2,500 records,
    // and a dozen small calls per record were enough to have the JIT compile them all on the way.
    if (bytes.length < 8 || readInt(bytes, 0) != MAGIC || readInt(bytes, 4) != VERSION) {
      return null;
    }
    int pos = 8;
    String[] strings = new String[readInt(bytes, pos)];
    pos += 4;
    for (int i = 0; i < strings.length; i++) {
      strings[i] = utf(bytes, pos);
      pos = skip(bytes, pos, 2 + unsignedShort(bytes, pos));
    }
    int count = readInt(bytes, pos);
    pos += 4;
    Map<String, LazyPrice> models = new LinkedHashMap<>(count * 4 / 3 + 1);
    for (int i = 0; i < count; i++) {
      String model = utf(bytes, pos);
      pos = skip(bytes, pos, 2 + unsignedShort(bytes, pos));
      models.put(model, LazyPrice.inIndex(bytes, strings, model, pos));
      pos = skip(bytes, pos, 2 + 2 + 8 + 8 + 1);
      for (int n = bytes[pos - 1] & 0xff; n > 0; n--) {
        pos = skip(bytes, pos, 2 + 1);
        pos = skip(bytes, pos, bytes[pos - 1] == 0 ? 8 + 4 : 2 + unsignedShort(bytes, pos));
      }
    }
    return models;
  }

  /** {@code pos + n}, when the index holds that many more bytes. */
  private static int skip(byte[] bytes, int pos, int n) throws EOFException {
    if (n > bytes.length - pos) {
      throw new EOFException("the price index ends inside an entry");
    }
    return pos + n;
  }

  private static int unsignedShort(byte[] bytes, int pos) throws EOFException {
    skip(bytes, pos, 2);
    return (bytes[pos] & 0xff) << 8 | bytes[pos + 1] & 0xff;
  }

  private static int readInt(byte[] bytes, int pos) throws EOFException {
    skip(bytes, pos, 4);
    return (bytes[pos] & 0xff) << 24 | (bytes[pos + 1] & 0xff) << 16 | (bytes[pos + 2] & 0xff) << 8 | bytes[pos + 3] & 0xff;
  }

  /** The string {@link DataOutputStream#writeUTF} wrote at {@code pos}; ASCII, as all names are, without a decoder. */
  private static String utf(byte[] bytes, int pos) throws IOException {
    int length = unsignedShort(bytes, pos);
    skip(bytes, pos + 2, length);
    for (int i = pos + 2; i < pos + 2 + length; i++) {
      if (bytes[i] <= 0) { // 0x80 and up, or modified UTF-8's two-byte zero
        return new DataInputStream(new ByteArrayInputStream(bytes, pos, 2 + length)).readUTF();
      }
    }
    return new String(bytes, pos + 2, length, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** The price whose record (after its name) starts at {@code offset} of a compiled table. */
  static ModelPrice decode(byte[] index, String[] strings, String model, int offset) {
    DataInputStream data = new DataInputStream(new ByteArrayInputStream(index, offset, index.length - offset));
    try {
      String provider = strings[data.readUnsignedShort()];
      String mode = strings[data.readUnsignedShort()];
      long maxInput = data.readLong();
      long maxOutput = data.readLong();
      Map<String, BigDecimal> prices = new HashMap<>();
      for (int n = data.readUnsignedByte(); n > 0; n--) {
        String field = strings[data.readUnsignedShort()];
        prices.put(field, data.readUnsignedByte() == 0 ? BigDecimal.valueOf(data.readLong(), data.readInt())
            : new BigDecimal(data.readUTF()));
      }
      return ModelPrice.of(model, provider, mode, maxInput, maxOutput, prices);
    } catch (IOException | RuntimeException e) {
      // Every record was walked when the index was opened, so only a damaged jar gets here.
      throw new PriceTableException("The bundled price index " + RESOURCE + " is damaged at the entry of '"
          + model + "': " + e, e);
    }
  }
}
