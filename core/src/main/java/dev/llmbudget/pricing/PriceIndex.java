package dev.llmbudget.pricing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
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
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The bundled price table compiled at build time into a compact binary form, so that start-up
 * reads ~240 KB of names and plain numbers instead of parsing 1.6 MB of JSON (and loads no JSON
 * parser); each price is decoded from its record when a call first names its model.
 * The build runs {@link #main} on the bundled JSON; user tables ({@code llmbudget.prices}) stay
 * JSON. It holds exactly what {@link PriceTableParser} hands on, in file order, so both give equal
 * tables ({@code PriceIndexTest} compares every entry).
 *
 * <p>Format (big-endian, {@link DataOutputStream}): magic, version, a table of the strings that
 * repeat (providers, modes, price fields), the number of entries and where the name table starts,
 * then per entry its name, provider, mode, token limits and prices (a price is its unscaled value
 * and scale when the value fits a long, else its text), and last the name table: the place of each
 * entry, in the order of the names. Opening the index reads its header only; a name is found by a
 * binary search of the name table, so start-up walks none of the ~2,500 entries (which cost ~8 ms
 * of interpreted code and had the JIT compile the walk while the app was starting).
 */
public final class PriceIndex {

  static final String RESOURCE = "/dev/llmbudget/pricing/model_prices.idx";
  private static final int MAGIC = 0x4c4c4d50; // "LLMP"
  private static final int VERSION = 2;

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
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    DataOutputStream header = new DataOutputStream(head);
    header.writeInt(MAGIC);
    header.writeInt(VERSION);
    header.writeInt(strings.size());
    for (String s : strings.keySet()) {
      header.writeUTF(s);
    }
    header.writeInt(entries.size());
    int first = header.size() + 4; // after the place of the name table, written next
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(body);
    Integer[] byName = new Integer[entries.size()];
    int[] places = new int[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      Object[] e = entries.get(i);
      byName[i] = i;
      places[i] = first + data.size();
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
    java.util.Arrays.sort(byName, (a, b) -> ((String) entries.get(a)[0]).compareTo((String) entries.get(b)[0]));
    header.writeInt(first + data.size());
    for (Integer i : byName) {
      data.writeInt(places[i]);
    }
    OutputStream o = new BufferedOutputStream(out);
    head.writeTo(o);
    body.writeTo(o);
    o.flush();
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
   * The entries of a compiled table, each with the place of its record: a price is decoded when it
   * is first asked for ({@link LazyPrice}), a name found by a binary search of the name table, and
   * the entries are walked, in file order, only by whoever iterates them. {@code null} when it is
   * not a table this version reads; an index that is not whole fails here, not at the first call.
   */
  static Map<String, LazyPrice> readLazily(InputStream in) throws IOException {
    byte[] bytes = in.readAllBytes();
    if (bytes.length < 8 || readInt(bytes, 0) != MAGIC || readInt(bytes, 4) != VERSION) {
      return null;
    }
    int pos = 8;
    int stringCount = readInt(bytes, pos);
    if (stringCount < 0 || stringCount > bytes.length) {
      throw new EOFException("the price index's string table is damaged");
    }
    String[] strings = new String[stringCount];
    pos += 4;
    for (int i = 0; i < strings.length; i++) {
      strings[i] = utf(bytes, pos);
      pos = skip(bytes, pos, 2 + unsignedShort(bytes, pos));
    }
    int count = readInt(bytes, pos);
    int names = readInt(bytes, pos + 4);
    pos += 8;
    if (count < 0 || names < pos || (long) names + 4L * count != bytes.length) {
      throw new EOFException("the price index is not whole: it ends inside an entry or its name table");
    }
    return new Entries(bytes, strings, pos, count, names);
  }

  /** The entries of a compiled index, read in place. */
  private static final class Entries extends AbstractMap<String, LazyPrice> {
    private final byte[] index;
    private final String[] strings;
    private final int first;
    private final int count;
    private final int names;

    Entries(byte[] index, String[] strings, int first, int count, int names) {
      this.index = index;
      this.strings = strings;
      this.first = first;
      this.count = count;
      this.names = names;
    }

    @Override
    public LazyPrice get(Object key) {
      if (!(key instanceof String)) {
        return null;
      }
      String model = (String) key;
      int low = 0;
      int high = count - 1;
      try {
        while (low <= high) {
          int middle = (low + high) >>> 1;
          int at = readInt(index, names + 4 * middle);
          String name = utf(index, at);
          int order = name.compareTo(model);
          if (order < 0) {
            low = middle + 1;
          } else if (order > 0) {
            high = middle - 1;
          } else {
            return LazyPrice.inIndex(index, strings, name, at + 2 + unsignedShort(index, at));
          }
        }
      } catch (IOException | RuntimeException e) {
        throw damaged("the name table, looking for '" + model + "'", e);
      }
      return null;
    }

    @Override
    public boolean containsKey(Object key) {
      return get(key) != null;
    }

    @Override
    public int size() {
      return count;
    }

    @Override
    public Set<Map.Entry<String, LazyPrice>> entrySet() {
      return new AbstractSet<>() {
        @Override
        public int size() {
          return count;
        }

        @Override
        public Iterator<Map.Entry<String, LazyPrice>> iterator() {
          return new Iterator<>() {
            private int pos = first;
            private int seen;

            @Override
            public boolean hasNext() {
              return seen < count;
            }

            @Override
            public Map.Entry<String, LazyPrice> next() {
              if (seen >= count) {
                throw new NoSuchElementException();
              }
              try {
                String model = utf(index, pos);
                int record = skip(index, pos, 2 + unsignedShort(index, pos));
                pos = afterRecord(index, record);
                seen++;
                return new AbstractMap.SimpleImmutableEntry<>(model, LazyPrice.inIndex(index, strings, model, record));
              } catch (IOException | RuntimeException e) {
                throw damaged("entry " + seen, e);
              }
            }
          };
        }
      };
    }
  }

  /** Where the entry whose record (after its name) starts at {@code pos} ends. */
  private static int afterRecord(byte[] bytes, int pos) throws EOFException {
    pos = skip(bytes, pos, 2 + 2 + 8 + 8 + 1);
    for (int n = bytes[pos - 1] & 0xff; n > 0; n--) {
      pos = skip(bytes, pos, 2 + 1);
      pos = skip(bytes, pos, bytes[pos - 1] == 0 ? 8 + 4 : 2 + unsignedShort(bytes, pos));
    }
    return pos;
  }

  private static PriceTableException damaged(String where, Exception e) {
    return new PriceTableException("The bundled price index " + RESOURCE + " is damaged at " + where + ": " + e, e);
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
