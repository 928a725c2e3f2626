package dev.llmbudget.pricing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The spellings under which a model name the caller gave may appear in the price table, most
 * specific first. Runs once per distinct name (the table caches the answer), so clarity wins over
 * speed here.
 */
final class ModelNameForms {

  /** One snapshot or version suffix at the end of a name; stripped one at a time. */
  private static final Pattern SUFFIX = Pattern.compile(
      "(?:-v\\d+(?::\\d+)?"        // bedrock model versions: -v1:0, -v2:0, -v1
          + "|@\\d{8}"             // vertex snapshots: @20250929
          + "|-\\d{4}-\\d{2}-\\d{2}" // openai snapshots: -2024-07-18
          + "|-\\d{8}"             // anthropic snapshots: -20250929
          + "|-latest)$");
  /** Bedrock cross-region inference profiles put a geography before the vendor.model id. */
  private static final Pattern BEDROCK_REGION =
      Pattern.compile("^(?:us|eu|apac|jp|au|global|us-gov)\\.(?=[a-z0-9-]+\\.)");

  private ModelNameForms() {}

  /**
   * The name itself; then with leading provider segments stripped one at a time
   * ({@code bedrock/converse/x} gives {@code converse/x} and {@code x}); then each of those with
   * snapshot and version suffixes stripped one at a time; then each with a Bedrock region
   * prefix stripped, and its suffixes in turn.
   */
  static List<String> of(String name) {
    List<String> prefixes = new ArrayList<>();
    String form = name;
    prefixes.add(form);
    for (int slash = form.indexOf('/'); slash >= 0 && slash < form.length() - 1;
        slash = form.indexOf('/')) {
      form = form.substring(slash + 1);
      prefixes.add(form);
    }
    Set<String> forms = new LinkedHashSet<>(prefixes);
    for (String prefixed : prefixes) {
      addSuffixChain(prefixed, forms);
    }
    for (String candidate : List.copyOf(forms)) {
      Matcher region = BEDROCK_REGION.matcher(candidate);
      if (region.find()) {
        String withoutRegion = candidate.substring(region.end());
        forms.add(withoutRegion);
        addSuffixChain(withoutRegion, forms);
      }
    }
    return List.copyOf(forms);
  }

  private static void addSuffixChain(String form, Set<String> forms) {
    for (Matcher m = SUFFIX.matcher(form); m.find() && m.start() > 0; m = SUFFIX.matcher(form)) {
      form = form.substring(0, m.start());
      forms.add(form);
    }
  }

  /** The part after the last '/', the name a provider prefix was added to. */
  static String bareName(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }
}
