package dev.llmbudget.pricing;

import java.util.function.BinaryOperator;

/**
 * One entry of a price table: either a price already built (a table parsed from JSON) or the place
 * of its record in the compiled index, decoded the first time the entry is asked for. A JVM that
 * calls three models builds three prices, not the table's three thousand.
 */
final class LazyPrice {

  private final byte[] index;
  private final String[] strings;
  private final String name;
  private final int offset;
  /** For a name that several entries share: the two whose dearer one this is. */
  private final LazyPrice first;
  private final LazyPrice second;
  private final BinaryOperator<ModelPrice> choice;
  /** Immutable, with final fields: two threads decoding the same entry at once is harmless. */
  private ModelPrice price;

  private LazyPrice(byte[] index, String[] strings, String name, int offset, ModelPrice price,
      LazyPrice first, LazyPrice second, BinaryOperator<ModelPrice> choice) {
    this.index = index;
    this.strings = strings;
    this.name = name;
    this.offset = offset;
    this.price = price;
    this.first = first;
    this.second = second;
    this.choice = choice;
  }

  static LazyPrice of(ModelPrice price) {
    return new LazyPrice(null, null, price.name(), -1, price, null, null, null);
  }

  static LazyPrice inIndex(byte[] index, String[] strings, String name, int offset) {
    return new LazyPrice(index, strings, name, offset, null, null, null, null);
  }

  /**
   * The entry {@code choice} picks of {@code first} and {@code second}, chosen (and both decoded)
   * only when it is first asked for: a thousand provider-prefixed names share a bare name.
   */
  static LazyPrice either(LazyPrice first, LazyPrice second, BinaryOperator<ModelPrice> choice) {
    return new LazyPrice(null, null, null, -1, null, first, second, choice);
  }

  ModelPrice get() {
    ModelPrice p = price;
    if (p == null) {
      p = choice != null ? choice.apply(first.get(), second.get())
          : PriceIndex.decode(index, strings, name, offset);
      price = p;
    }
    return p;
  }
}
