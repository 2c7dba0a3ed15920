package io.cloudbridge.common.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A topic name, fixed or with <code>${name}</code> placeholders filled per record; whatever a placeholder
 * yields, the result is a legal topic name (other characters become '_', at most 249 characters).
 */
public final class TopicTemplate {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]+)}");
  private static final Pattern ILLEGAL_TOPIC_CHARS = Pattern.compile("[^a-zA-Z0-9._-]");
  private static final int MAX_TOPIC_LENGTH = 249;

  private final String template;
  private final boolean fixed;

  public TopicTemplate(String template) {
    this.template = template;
    this.fixed = !PLACEHOLDER.matcher(template).find();
  }

  public boolean isFixed() {
    return fixed;
  }

  @Override
  public String toString() {
    return template;
  }

  /**
   * The topic for one record; {@code lookup} gives each placeholder's value, or null when the record has none, in
   * which case {@link MissingValueException} names the placeholder.
   */
  public String render(Function<String, String> lookup) {
    if (fixed) {
      return template;
    }
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = lookup.apply(m.group(1));
      if (value == null) {
        throw new MissingValueException(m.group(1));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    String topic = ILLEGAL_TOPIC_CHARS.matcher(out).replaceAll("_");
    return topic.length() > MAX_TOPIC_LENGTH ? topic.substring(0, MAX_TOPIC_LENGTH) : topic;
  }

  /** A placeholder the record has no value for. */
  public static final class MissingValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String placeholder;

    MissingValueException(String placeholder) {
      super("topic template placeholder ${" + placeholder + "} has no value for this record");
      this.placeholder = placeholder;
    }

    public String placeholder() {
      return placeholder;
    }
  }
}
