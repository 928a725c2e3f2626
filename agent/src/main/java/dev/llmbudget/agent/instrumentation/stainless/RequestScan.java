package dev.llmbudget.agent.instrumentation.stainless;

import dev.llmbudget.agent.instrumentation.meter.LlmRequest;
import dev.llmbudget.internal.UsageJson;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One pass over a request's UTF-8 JSON bytes that finds the model, the output cap, the message
 * count, the service tier and a bound of the prompt's tokens, without a tree or a copy of the text: the bound is the
 * UTF-8 length of the text {@link RequestReader#text} would build (each string as decoded, one
 * newline after each, tool definitions as compact JSON), which no token count exceeds. Images are
 * not text: the scan counts the image parts among the prompt's parts (openai-java's {@code image_url},
 * {@code input_image} and {@code computer_screenshot}, anthropic-java's {@code image}) and those that
 * ask for {@code detail: low} or {@code detail: original}, and skips their URL or base64 data as it
 * skips any string. Files and audio are counted the same way as media parts, whose tokens the
 * bytes do not bound: chat completions' {@code file} and {@code input_audio} parts and an assistant
 * message's {@code audio} by id, Responses' {@code input_file} and {@code input_audio}, Anthropic's
 * {@code document} (but for a plain-text or content source, whose text is prompt text like any
 * other) and {@code container_upload}.
 */
final class RequestScan {

  /** Deeper than this the body is refused as unreadable, as Jackson's default nesting limit does. */
  private static final int MAX_DEPTH = 1000;

  private static final byte[] MODEL = ascii("model");
  private static final byte[] MAX_TOKENS = ascii("max_tokens");
  private static final byte[] MAX_COMPLETION_TOKENS = ascii("max_completion_tokens");
  private static final byte[] MAX_OUTPUT_TOKENS = ascii("max_output_tokens");
  private static final byte[] MESSAGES = ascii("messages");
  private static final byte[] SYSTEM = ascii("system");
  private static final byte[] INSTRUCTIONS = ascii("instructions");
  private static final byte[] INPUT = ascii("input");
  private static final byte[] PROMPT = ascii("prompt");
  private static final byte[] TOOLS = ascii("tools");
  private static final byte[] N = ascii("n");
  private static final byte[] BEST_OF = ascii("best_of");
  private static final byte[] BACKGROUND = ascii("background");
  private static final byte[] SERVICE_TIER = ascii("service_tier");
  private static final byte[] STREAM = ascii("stream");
  private static final byte[] STREAM_OPTIONS = ascii("stream_options");
  private static final byte[] INCLUDE_USAGE = ascii("include_usage");
  private static final byte[] FUNCTION = ascii("function");
  private static final byte[] ARGUMENTS = ascii("arguments");
  private static final byte[] TOOL_CALLS = ascii("tool_calls");
  private static final byte[] VARIABLES = ascii("variables");
  private static final byte[] TYPE = ascii("type");
  private static final byte[] DETAIL = ascii("detail");
  private static final byte[] IMAGE_URL = ascii("image_url");
  private static final byte[] LOW = ascii("low");
  private static final byte[] ORIGINAL = ascii("original");
  private static final byte[] SOURCE = ascii("source");
  private static final byte[] DATA = ascii("data");
  private static final byte[] AUDIO = ascii("audio");
  private static final byte[] DOCUMENT = ascii("document");
  /** An Anthropic document source whose text is sent as prompt: {@code text} (its {@code data}) or {@code content} (its blocks). */
  private static final byte[] TEXT = ascii("text");
  private static final byte[] CONTENT = ascii("content");
  /**
   * The {@code type} of a content part whose tokens its bytes do not bound: chat completions' file
   * and audio, Responses' file and audio, Anthropic's code-execution upload (its document is told
   * apart by its source).
   */
  private static final byte[][] MEDIA_TYPES = {
      ascii("file"), ascii("input_audio"), ascii("input_file"), ascii("container_upload")};
  /** What a part's {@code type} says it is, for the count it goes to. */
  private static final int PART_OTHER = 0;
  private static final int PART_IMAGE = 1;
  private static final int PART_MEDIA = 2;
  private static final int PART_DOCUMENT = 3;
  /** The image detail levels the scan tells apart, the dearer the larger: none (high, auto), low, original. */
  private static final int DETAIL_NONE = 0;
  private static final int DETAIL_LOW = 1;
  private static final int DETAIL_ORIGINAL = 2;
  /**
   * The {@code type} of a content part that is an image: chat completions, Responses, Anthropic, and
   * the screenshot a Responses {@code computer_call_output} sends back.
   */
  private static final byte[][] IMAGE_TYPES = {
      IMAGE_URL, ascii("input_image"), ascii("image"), ascii("computer_screenshot")};
  /** {@link RequestReader}'s text fields: their values are prompt text wherever they are. */
  private static final byte[][] TEXT_FIELDS = {
      ascii("text"), ascii("content"), ascii("input_text"), ascii("arguments"), ascii("output"), ascii("thinking")};

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long QUOTES = 0x0101010101010101L * '"';
  private static final long BACKSLASHES = 0x0101010101010101L * '\\';
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;

  private final byte[] json;
  private final Endpoint endpoint;
  private int pos;
  /** A {@code short}: {@link #MAX_DEPTH} fits, and the two bytes it frees hold {@link #mediaParts} in the same object size. */
  private short depth;
  // The current member name: json[keyStart, keyEnd), escaped when it holds a backslash.
  private int keyStart;
  private int keyEnd;
  private boolean keyEscaped;

  String model;
  int messages;
  long bound;
  private long maxTokens = -1;
  private long maxCompletionTokens = -1;
  private long maxOutputTokens = -1;
  /** OpenAI's {@code n} and a completion's {@code best_of}: -1 when not given. */
  private long n = -1;
  private long bestOf = -1;
  /** An OpenAI Responses call with {@code "background": true}. */
  boolean background;
  /** Image parts in the prompt, and how many of them ask for {@code detail: low} or {@code detail: original}. */
  int images;
  int lowDetailImages;
  /** A {@code short} (saturating; OpenAI takes at most 500 images): it fits the scan's padding, no byte more. */
  short originalDetailImages;
  /** File, audio and document parts whose tokens the bytes do not bound; saturating, a {@code short} as above. */
  short mediaParts;
  /** The OpenAI {@code service_tier} the request asks for, as one of {@link UsageJson}'s tier constants; else null. */
  String serviceTier;
  /** {@code "stream": true}. */
  boolean stream;
  /**
   * Where {@code stream_options}' value is, {@code [streamOptionsStart, streamOptionsEnd)}, and its
   * {@code include_usage} value, {@code [includeUsageStart, includeUsageEnd)}: byte offsets, -1 when
   * absent, so that {@link StreamUsage} can write the option without parsing the body again.
   */
  int streamOptionsStart = -1;
  int streamOptionsEnd = -1;
  int includeUsageStart = -1;
  int includeUsageEnd = -1;
  /** {@code include_usage} is the literal {@code true}: the app asked for the usage chunk itself. */
  boolean includeUsage;
  /** A member named twice: which one the server takes is not ours to guess, so nothing is written. */
  boolean streamOptionsRepeated;

  private RequestScan(Endpoint endpoint, byte[] json) {
    this.endpoint = endpoint;
    this.json = json;
  }

  /**
   * The scan of {@code json}, or {@code null} when it is not a JSON object. {@link #model} is null
   * when it names none (an OpenAI Responses call may leave it to its stored prompt): the engine
   * then treats it as an unknown model, so it meets {@code llmbudget.unknown_model} and its answer
   * is priced as the model it names, rather than going out unseen.
   */
  static RequestScan of(Endpoint endpoint, byte[] json) throws IOException {
    RequestScan s = new RequestScan(endpoint, json);
    s.skipSpace();
    if (s.pos >= json.length || json[s.pos] != '{') {
      return null;
    }
    s.root();
    s.skipSpace();
    if (s.pos != json.length) {
      throw s.malformed("content after the JSON object");
    }
    return s;
  }

  /**
   * How many answers the request asks for, each of which may use the whole output cap and is
   * billed: {@code n}, or a completion's {@code best_of} (the server makes that many and bills them
   * all), whichever is more; 1 when neither is given, at most {@link LlmRequest#MAX_CHOICES}.
   */
  int choices() {
    if (endpoint != Endpoint.CHAT_COMPLETIONS && endpoint != Endpoint.COMPLETIONS) {
      return 1;
    }
    long k = Math.max(n, endpoint == Endpoint.COMPLETIONS ? bestOf : -1);
    return LlmRequest.choices(k);
  }

  /** The output cap: the first of {@code max_tokens}, {@code max_completion_tokens}, {@code max_output_tokens} given. */
  long maxOutput() {
    long v = maxTokens >= 0 ? maxTokens : maxCompletionTokens >= 0 ? maxCompletionTokens : maxOutputTokens;
    return Math.max(0, v);
  }

  private void root() throws IOException {
    pos++; // {
    if (firstMember()) {
      do {
        if (key(MODEL)) {
          model = peek() == '"' ? decodedString() : null;
          if (model == null) {
            skipValue();
          }
        } else if (key(MAX_TOKENS)) {
          maxTokens = numberOrMinus();
        } else if (key(MAX_COMPLETION_TOKENS)) {
          maxCompletionTokens = numberOrMinus();
        } else if (key(MAX_OUTPUT_TOKENS)) {
          maxOutputTokens = numberOrMinus();
        } else if (key(TOOLS)) {
          tools();
        } else if (key(N)) {
          n = numberOrMinus();
        } else if (key(BEST_OF)) {
          bestOf = numberOrMinus();
        } else if (endpoint == Endpoint.RESPONSES && key(BACKGROUND)) {
          background = literalTrue();
        } else if (key(SERVICE_TIER)) {
          serviceTier = tierName();
        } else if (key(STREAM)) {
          stream = literalTrue();
        } else if (key(STREAM_OPTIONS)) {
          streamOptions();
        } else if (isPrompt()) {
          if (key(MESSAGES)) {
            messages();
          } else {
            text();
          }
        } else {
          skipValue();
        }
      } while (nextMember());
    }
  }

  /** Notes where {@code stream_options} and its {@code include_usage} are, and whether that is {@code true}. */
  private void streamOptions() throws IOException {
    streamOptionsRepeated |= streamOptionsStart >= 0;
    streamOptionsStart = pos;
    if (peek() == '{') {
      pos++;
      enter();
      if (firstMember()) {
        do {
          if (key(INCLUDE_USAGE)) {
            streamOptionsRepeated |= includeUsageStart >= 0;
            includeUsageStart = pos;
            includeUsage = literalTrue();
            includeUsageEnd = pos;
          } else {
            skipValue();
          }
        } while (nextMember());
      }
      depth--;
    } else {
      skipValue();
    }
    streamOptionsEnd = pos;
  }

  /** Whether the current top-level member holds prompt text at this endpoint. */
  private boolean isPrompt() {
    switch (endpoint) {
      case CHAT_COMPLETIONS:
      case MESSAGES:
        return key(MESSAGES) || key(SYSTEM);
      case RESPONSES:
        // prompt: a stored prompt's variables, text or images, are sent with the request
        return key(INSTRUCTIONS) || key(INPUT) || key(PROMPT);
      case EMBEDDINGS:
        return key(INPUT);
      case COMPLETIONS:
        return key(PROMPT);
      default:
        return false;
    }
  }

  /** Each element of a message list (or each value of an object, as a tree's iteration gives) is one message. */
  private void messages() throws IOException {
    byte c = peek();
    if (c == '[') {
      pos++;
      enter();
      if (!endOf(']')) {
        do {
          text();
          messages++;
        } while (nextElement());
      }
      depth--;
    } else if (c == '{') {
      pos++;
      enter();
      if (firstMember()) {
        do {
          text();
          messages++;
        } while (nextMember());
      }
      depth--;
    } else {
      skipValue();
    }
  }

  /** A non-empty {@code tools} list counts as a newline and its compact JSON. */
  private void tools() throws IOException {
    if (peek() != '[') {
      skipValue();
      return;
    }
    long compact = compactValue();
    if (compact > 2) { // not []
      bound += 1 + compact;
    }
  }

  /**
   * The prompt text under a value, as {@code RequestReader.appendText} collects it: a string with a
   * newline; every element of a list; an object's text fields, its {@code input} object as JSON,
   * its {@code function.arguments}, its {@code tool_calls} and a stored prompt's {@code variables}.
   */
  private void text() throws IOException {
    byte c = peek();
    if (c == '"') {
      bound += stringBytes(false) + 1;
    } else if (c == '[') {
      pos++;
      enter();
      if (!endOf(']')) {
        do {
          text();
        } while (nextElement());
      }
      depth--;
    } else if (c == '{') {
      pos++;
      enter();
      int part = PART_OTHER;
      boolean textSource = false;
      boolean audioById = false;
      int detail = DETAIL_NONE;
      if (firstMember()) {
        do {
          if (isTextField()) {
            text();
          } else if (key(INPUT) && peek() == '{') {
            bound += compactValue() + 1;
          } else if (key(FUNCTION) && peek() == '{') {
            functionArguments();
          } else if (key(TOOL_CALLS)) {
            text();
          } else if (key(VARIABLES) && peek() == '{') {
            variables();
          } else if (key(TYPE)) {
            part = partType();
            skipValue();
          } else if (key(SOURCE) && peek() == '{') {
            textSource = source();
          } else if (key(AUDIO) && peek() == '{') {
            // a chat assistant message's earlier audio answer, sent back by id and billed as audio input
            audioById = true;
            skipValue();
          } else if (key(DETAIL)) {
            detail = Math.max(detail, detail());
            skipValue();
          } else if (key(IMAGE_URL) && peek() == '{') {
            detail = Math.max(detail, imageUrlDetail());
          } else {
            skipValue();
          }
        } while (nextMember());
      }
      if (audioById || part == PART_MEDIA || part == PART_DOCUMENT && !textSource) {
        if (mediaParts < Short.MAX_VALUE) {
          mediaParts++;
        }
      }
      if (part == PART_IMAGE) {
        images++;
        if (detail == DETAIL_ORIGINAL) {
          if (originalDetailImages < Short.MAX_VALUE) {
            originalDetailImages++;
          }
        } else if (detail == DETAIL_LOW) {
          lowDetailImages++;
        }
      }
      depth--;
    } else {
      skipValue();
    }
  }

  /** Which of the part kinds the {@code type} value here names; not consumed. */
  private int partType() {
    for (byte[] t : IMAGE_TYPES) {
      if (stringIs(t)) {
        return PART_IMAGE;
      }
    }
    for (byte[] t : MEDIA_TYPES) {
      if (stringIs(t)) {
        return PART_MEDIA;
      }
    }
    return stringIs(DOCUMENT) ? PART_DOCUMENT : PART_OTHER;
  }

  /**
   * An Anthropic {@code source} object (of a document or an image): a plain-text source's {@code
   * data} and a content source's {@code content} are prompt text and go to the bound, as {@link
   * RequestReader#appendText} reads them; base64, URL and file sources are skipped. Returns whether
   * it was a text or content source, which bounds its document by its bytes.
   */
  private boolean source() throws IOException {
    pos++; // {
    enter();
    long data = 0;
    boolean text = false;
    boolean content = false;
    if (firstMember()) {
      do {
        if (key(TYPE)) {
          text = stringIs(TEXT);
          content = stringIs(CONTENT);
          skipValue();
        } else if (key(DATA) && peek() == '"') {
          data = stringBytes(false) + 1;
        } else if (key(CONTENT)) {
          text();
        } else {
          skipValue();
        }
      } while (nextMember());
    }
    depth--;
    if (text) {
      bound += data;
    }
    return text || content;
  }

  /** Whether the value here is the string {@code value}, unescaped; not consumed. */
  private boolean stringIs(byte[] value) {
    int end = pos + value.length + 1;
    if (end >= json.length || json[pos] != '"' || json[end] != '"') {
      return false;
    }
    for (int i = 0; i < value.length; i++) {
      if (json[pos + 1 + i] != value[i]) {
        return false;
      }
    }
    return true;
  }

  /** The detail level of the {@code detail} value here (not consumed): only {@code low} and {@code original} matter. */
  private int detail() {
    return stringIs(LOW) ? DETAIL_LOW : stringIs(ORIGINAL) ? DETAIL_ORIGINAL : DETAIL_NONE;
  }

  /** Chat completions' {@code image_url} object: skips it, telling its {@code detail}. */
  private int imageUrlDetail() throws IOException {
    pos++; // {
    enter();
    int detail = DETAIL_NONE;
    if (firstMember()) {
      do {
        if (key(DETAIL)) {
          detail = detail();
        }
        skipValue();
      } while (nextMember());
    }
    depth--;
    return detail;
  }

  /** A stored prompt's {@code variables}: each value is prompt text (a string, an input_text) or an image. */
  private void variables() throws IOException {
    pos++; // {
    enter();
    if (firstMember()) {
      do {
        text();
      } while (nextMember());
    }
    depth--;
  }

  private void functionArguments() throws IOException {
    pos++; // {
    enter();
    if (firstMember()) {
      do {
        if (key(ARGUMENTS)) {
          text();
        } else {
          skipValue();
        }
      } while (nextMember());
    }
    depth--;
  }

  private boolean isTextField() {
    for (byte[] field : TEXT_FIELDS) {
      if (key(field)) {
        return true;
      }
    }
    return false;
  }

  // --- members and elements

  /** After an object's {: reads the first member's name and colon; {@code false} for an empty object. */
  private boolean firstMember() throws IOException {
    if (endOf('}')) {
      return false;
    }
    memberName();
    return true;
  }

  /** After a member's value: reads the next member's name, or the closing brace and returns {@code false}. */
  private boolean nextMember() throws IOException {
    skipSpace();
    byte c = next();
    if (c == '}') {
      return false;
    }
    if (c != ',') {
      throw malformed("',' or '}' expected");
    }
    memberName();
    return true;
  }

  private void memberName() throws IOException {
    skipSpace();
    if (next() != '"') {
      throw malformed("a member name expected");
    }
    keyStart = pos;
    keyEscaped = false;
    while (true) {
      byte c = next();
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        keyEscaped = true;
        next();
      }
    }
    keyEnd = pos - 1;
    skipSpace();
    if (next() != ':') {
      throw malformed("':' expected");
    }
    skipSpace();
  }

  private boolean nextElement() throws IOException {
    skipSpace();
    byte c = next();
    if (c == ']') {
      return false;
    }
    if (c != ',') {
      throw malformed("',' or ']' expected");
    }
    skipSpace();
    return true;
  }

  /** Consumes {@code close} (after spaces) and returns {@code true} if it comes next. */
  private boolean endOf(char close) throws IOException {
    skipSpace();
    if (pos < json.length && json[pos] == close) {
      pos++;
      return true;
    }
    return false;
  }

  private boolean key(byte[] name) {
    if (keyEscaped) {
      return decode(keyStart - 1).equals(new String(name, StandardCharsets.US_ASCII));
    }
    int n = keyEnd - keyStart;
    if (n != name.length) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (json[keyStart + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  // --- values

  /** Skips one value. */
  private void skipValue() throws IOException {
    compactValue();
  }

  /** Skips one value and returns its length as compact JSON written the way Jackson writes it. */
  private long compactValue() throws IOException {
    byte c = peek();
    switch (c) {
      case '"':
        return stringBytes(true) + 2;
      case '[': {
        pos++;
        enter();
        long n = 2;
        if (!endOf(']')) {
          do {
            n += compactValue();
            n++; // the comma, or the closing bracket counted below instead
          } while (nextElement());
          n--;
        }
        depth--;
        return n;
      }
      case '{': {
        pos++;
        enter();
        long n = 2;
        if (firstMember()) {
          do {
            n += stringBytesAt(keyStart - 1) + 3; // quotes and colon
            n += compactValue();
            n++;
          } while (nextMember());
          n--;
        }
        depth--;
        return n;
      }
      default:
        int start = pos;
        while (pos < json.length && isScalarByte(json[pos])) {
          pos++;
        }
        if (pos == start) {
          throw malformed("a value expected");
        }
        return pos - start;
    }
  }

  /** The string here when it spells one of OpenAI's service tiers (that constant of {@link UsageJson}), else null; consumed either way. */
  private String tierName() throws IOException {
    String tier = null;
    if (peek() == '"') {
      int from = pos + 1;
      int to = from;
      // no tier's name has an escape or is longer: the first quote within that length ends it, or it is none
      while (to < json.length && to - from <= UsageJson.LONGEST_TIER && json[to] != '"') {
        to++;
      }
      tier = to < json.length && json[to] == '"' ? UsageJson.serviceTier(json, from, to) : null;
    }
    skipValue();
    return tier;
  }

  /** A number as a non-negative long (a fraction truncated, a huge one clamped), or -1 for any other value. */
  /** Whether the value here is the literal {@code true}; consumed either way. */
  private boolean literalTrue() throws IOException {
    boolean t = pos + 4 <= json.length && json[pos] == 't' && json[pos + 1] == 'r' && json[pos + 2] == 'u'
        && json[pos + 3] == 'e';
    skipValue();
    return t;
  }

  private long numberOrMinus() throws IOException {
    byte c = peek();
    if (c != '-' && (c < '0' || c > '9')) {
      skipValue();
      return -1;
    }
    int start = pos;
    skipValue();
    String text = new String(json, start, pos - start, StandardCharsets.US_ASCII);
    try {
      return Math.max(0, Long.parseLong(text));
    } catch (NumberFormatException e) {
      try {
        double d = Double.parseDouble(text);
        return d <= 0 ? 0 : d >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) d;
      } catch (NumberFormatException notANumber) {
        throw malformed("a malformed number");
      }
    }
  }

  /**
   * Skips the string at {@code pos} and returns the UTF-8 length of its value; with {@code
   * reescape}, as Jackson writes it back (quote, backslash and control chars escaped, the rest raw).
   * A lone surrogate escape counts 3, the UTF-8 length of the U+FFFD it becomes.
   */
  private long stringBytes(boolean reescape) throws IOException {
    pos++; // "
    long n = 0;
    byte[] b = json;
    int end = b.length;
    while (true) {
      // The hot loop of a long prompt: plain bytes, each one UTF-8 byte of the value.
      int i = pos;
      // Eight bytes at a time while none is a quote or a backslash. An ASCII word (the usual prompt)
      // needs only the cheap test: without a high bit in w, x - 0x01.. sets one only at a zero byte
      // of x (or past it, by a borrow). A word with a high bit also fails it, and is let through
      // when the exact test finds neither byte: UTF-8 multi-byte text is plain bytes here too.
      while (i + 8 <= end) {
        long w = (long) LONGS.get(b, i);
        long q = w ^ QUOTES;
        long s = w ^ BACKSLASHES;
        if ((((q - ONES) | (s - ONES) | w) & HIGHS) != 0
            && (((q - ONES) & ~q | (s - ONES) & ~s) & HIGHS) != 0) {
          break;
        }
        i += 8;
      }
      while (i < end && b[i] != '"' && b[i] != '\\') {
        i++;
      }
      n += i - pos;
      pos = i;
      byte c = next();
      if (c == '"') {
        return n;
      }
      byte e = next();
      int ch;
      switch (e) {
        case 'u':
          ch = hex4();
          break;
        case 'n':
          ch = '\n';
          break;
        case 't':
          ch = '\t';
          break;
        case 'r':
          ch = '\r';
          break;
        case 'b':
          ch = '\b';
          break;
        case 'f':
          ch = '\f';
          break;
        case '"':
        case '\\':
        case '/':
          ch = e;
          break;
        default:
          throw malformed("a malformed escape");
      }
      if (ch < 0x80) {
        n += !reescape ? 1 : ch == '"' || ch == '\\' ? 2 : ch >= 0x20 ? 1
            : ch == '\n' || ch == '\t' || ch == '\r' || ch == '\b' || ch == '\f' ? 2 : 6;
      } else if (ch < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate((char) ch) && pos + 6 <= json.length && json[pos] == '\\'
          && json[pos + 1] == 'u' && Character.isLowSurrogate((char) hexAt(pos + 2))) {
        pos += 6;
        n += 4;
      } else {
        n += 3;
      }
    }
  }

  /** {@link #stringBytes} with {@code reescape} of the string at {@code at}, leaving {@code pos} where it was. */
  private long stringBytesAt(int at) throws IOException {
    int saved = pos;
    pos = at;
    try {
      return stringBytes(true);
    } finally {
      pos = saved;
    }
  }

  private String decodedString() throws IOException {
    int start = pos;
    stringBytes(false);
    return decode(start);
  }

  /** The value of the string at {@code at}, decoded: rare (the model, an escaped member name). */
  private String decode(int at) {
    int end = at + 1;
    boolean escaped = false;
    while (json[end] != '"') {
      if (json[end] == '\\') {
        escaped = true;
        end++;
      }
      end++;
    }
    if (!escaped) {
      return new String(json, at + 1, end - at - 1, StandardCharsets.UTF_8);
    }
    try {
      return dev.llmbudget.internal.SdkJson.MAPPER.readValue(json, at, end - at + 1, String.class);
    } catch (IOException e) {
      return "";
    }
  }

  private int hex4() throws IOException {
    if (pos + 4 > json.length) {
      throw malformed("a truncated \\u escape");
    }
    int v = hexAt(pos);
    if (v < 0) {
      throw malformed("a malformed \\u escape");
    }
    pos += 4;
    return v;
  }

  /** The value of the four hex digits at {@code at}, or -1. */
  private int hexAt(int at) {
    if (at + 4 > json.length) {
      return -1;
    }
    int v = 0;
    for (int i = at; i < at + 4; i++) {
      int d = Character.digit(json[i], 16);
      if (d < 0) {
        return -1;
      }
      v = v << 4 | d;
    }
    return v;
  }

  // --- bytes

  private void enter() throws IOException {
    if (++depth > MAX_DEPTH) {
      throw malformed("nesting deeper than " + MAX_DEPTH);
    }
  }

  private byte peek() throws IOException {
    if (pos >= json.length) {
      throw malformed("the body ends early");
    }
    return json[pos];
  }

  private byte next() throws IOException {
    if (pos >= json.length) {
      throw malformed("the body ends early");
    }
    return json[pos++];
  }

  private void skipSpace() {
    while (pos < json.length && isSpace(json[pos])) {
      pos++;
    }
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private static boolean isScalarByte(byte b) {
    return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b == '-' || b == '+' || b == '.' || b == 'E';
  }

  private IOException malformed(String what) {
    return new IOException("a request body that is not valid JSON: " + what + " at byte " + pos);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
