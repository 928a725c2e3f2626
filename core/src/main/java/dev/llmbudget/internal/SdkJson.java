package dev.llmbudget.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Turns what callers hand us (JSON text, a Map, or an OpenAI / Anthropic SDK object) into a JSON
 * tree. SDK objects are written by the SDK's own Jackson mapper, found by reflection, so core never
 * links against an SDK and never disagrees with it about field names.
 */
public final class SdkJson {

  public static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static final String[][] SDK_MAPPERS = {
      {"com.openai.", "com.openai.core.ObjectMappers"},
      {"com.anthropic.", "com.anthropic.core.ObjectMappers"},
  };

  private static final ClassValue<Method[]> WRITERS = new ClassValue<>() {
    @Override
    protected Method[] computeValue(Class<?> type) {
      for (String[] sdk : SDK_MAPPERS) {
        if (type.getName().startsWith(sdk[0])) {
          try {
            Class<?> mappers = Class.forName(sdk[1], true, type.getClassLoader());
            Method jsonMapper = mappers.getMethod("jsonMapper");
            Object mapper = jsonMapper.invoke(null);
            Method write = mapper.getClass().getMethod("writeValueAsString", Object.class);
            return new Method[] {jsonMapper, write};
          } catch (ReflectiveOperationException | LinkageError e) {
            return null;
          }
        }
      }
      return null;
    }
  };

  private SdkJson() {}

  /** The JSON tree of {@code value}, or {@code null} when it is none of the accepted kinds. */
  public static JsonNode toTree(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof JsonNode) {
      return (JsonNode) value;
    }
    try {
      if (value instanceof CharSequence) {
        return MAPPER.readTree(value.toString());
      }
      if (value instanceof byte[]) {
        return MAPPER.readTree((byte[]) value);
      }
      if (value instanceof Map || value instanceof Iterable) {
        return MAPPER.valueToTree(value);
      }
      Method[] writer = WRITERS.get(value.getClass());
      if (writer != null) {
        Object mapper = writer[0].invoke(null);
        return MAPPER.readTree((String) writer[1].invoke(mapper, value));
      }
    } catch (Exception e) {
      throw new IllegalArgumentException("could not read " + value.getClass().getName() + " as JSON: " + e.getMessage(), e);
    }
    return null;
  }

  /** True when {@code value} is an object of an SDK whose mapper we know. */
  public static boolean isSdkObject(Object value) {
    return value != null && WRITERS.get(value.getClass()) != null;
  }
}
