package dev.llmbudget.pricing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
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
 * reads ~200 KB of plain numbers instead of parsing 1.6 MB of JSON (and loads no JSON parser).
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
    DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16));
    if (data.readInt() != MAGIC || data.readInt() != VERSION) {
      return null;
    }
    String[] strings = new String[data.readInt()];
    for (int i = 0; i < strings.length; i++) {
      strings[i] = data.readUTF();
    }
    int count = data.readInt();
    Map<String, ModelPrice> models = new LinkedHashMap<>(count * 4 / 3 + 1);
    Map<String, BigDecimal> prices = new HashMap<>();
    for (int i = 0; i < count; i++) {
      String model = data.readUTF();
      String provider = strings[data.readUnsignedShort()];
      String mode = strings[data.readUnsignedShort()];
      long maxInput = data.readLong();
      long maxOutput = data.readLong();
      prices.clear();
      for (int n = data.readUnsignedByte(); n > 0; n--) {
        String field = strings[data.readUnsignedShort()];
        prices.put(field, data.readUnsignedByte() == 0 ? BigDecimal.valueOf(data.readLong(), data.readInt())
            : new BigDecimal(data.readUTF()));
      }
      models.put(model, ModelPrice.of(model, provider, mode, maxInput, maxOutput, prices));
    }
    return models;
  }
}
