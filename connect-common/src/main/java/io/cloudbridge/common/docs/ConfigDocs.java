package io.cloudbridge.common.docs;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Renders a plugin's {@link ConfigDef} as Markdown: one row per key with its type, default, valid values,
 * importance and documentation. Password defaults are never printed.
 */
public final class ConfigDocs {

  private ConfigDocs() {}

  public static String markdown(String title, String overview, ConfigDef def) {
    StringBuilder out = new StringBuilder();
    out.append("# ").append(title).append("\n\n");
    if (overview != null && !overview.isBlank()) {
      out.append(overview.strip()).append("\n\n");
    }
    // As Kafka's own docs order them: required keys first, then by importance, then by name.
    List<ConfigDef.ConfigKey> keys = def.configKeys().values().stream()
        .sorted(Comparator.comparing((ConfigDef.ConfigKey k) -> k.hasDefault())
            .thenComparing(k -> k.importance)
            .thenComparing(k -> k.name))
        .toList();
    if (keys.isEmpty()) {
      return out.append("This plugin has no configuration.\n").toString();
    }
    out.append("| Key | Type | Default | Valid values | Importance | Description |\n");
    out.append("|---|---|---|---|---|---|\n");
    for (ConfigDef.ConfigKey key : keys) {
      if (key.recommender != null) {
        readable(key.name, key.recommender);
      }
      out.append("| `").append(key.name).append("` | ")
          .append(key.type.name().toLowerCase(Locale.ROOT)).append(" | ")
          .append(cell(defaultOf(key))).append(" | ")
          .append(cell(key.validator == null ? "" : readable(key.name, key.validator))).append(" | ")
          .append(key.importance.name().toLowerCase(Locale.ROOT)).append(" | ")
          .append(cell(key.documentation)).append(" |\n");
    }
    return out.toString();
  }

  /** Java's identity text ({@code Foo$$Lambda$694/0x...@45ffdcd5}, {@code Foo$Bar@6da023b5}). */
  private static final java.util.regex.Pattern IDENTITY = java.util.regex.Pattern.compile(
      ".*(\\$\\$Lambda|@\\p{XDigit}{4,}$).*");

  /**
   * What a validator or recommender says of itself; one that would print as Java's identity text (no toString of its
   * own, or a lambda) fails the docs build, so that users never read such text.
   */
  static String readable(String key, Object validatorOrRecommender) {
    String text = validatorOrRecommender.toString();
    if (IDENTITY.matcher(text).matches()) {
      throw new IllegalStateException("the validator or recommender of " + key + " has no readable description ("
          + text + "): give it a toString, or wrap a lambda in ConfigDef.LambdaValidator.with");
    }
    return text;
  }

  private static String defaultOf(ConfigDef.ConfigKey key) {
    if (!key.hasDefault()) {
      return "(required)";
    }
    if (key.type == ConfigDef.Type.PASSWORD) {
      return "[hidden]";
    }
    Object value = key.defaultValue;
    if (value == null) {
      return "null";
    }
    String text = value instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList())
        : String.valueOf(value);
    return text.isEmpty() ? "\"\"" : "`" + text + "`";
  }

  private static String cell(String text) {
    return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
  }
}
