package io.cloudbridge.common.config;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/** Puts an error found by a rule across settings on the setting it names, for a connector's validate(). */
public final class ConfigErrors {

  private static final Pattern NAMED = Pattern.compile("for configuration ([\\w.]+)");

  private ConfigErrors() {}

  /** Adds the message to the setting the exception names (ConfigException's wording), else to {@code fallback}. */
  public static void attach(ConfigException e, Map<String, ConfigValue> values, String fallback) {
    Matcher named = NAMED.matcher(String.valueOf(e.getMessage()));
    String key = named.find() && values.containsKey(named.group(1)) ? named.group(1) : fallback;
    values.get(key).addErrorMessage(e.getMessage());
  }
}
