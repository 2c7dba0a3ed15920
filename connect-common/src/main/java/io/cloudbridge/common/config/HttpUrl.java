package io.cloudbridge.common.config;

import java.net.URI;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/** Empty or an absolute http(s) URL. */
public final class HttpUrl implements ConfigDef.Validator {
  @Override
  public void ensureValid(String name, Object value) {
    String s = value == null ? "" : value.toString().trim();
    if (s.isEmpty()) {
      return;
    }
    try {
      URI uri = URI.create(s);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new ConfigException(name, value, "expected an http:// or https:// URL with a host");
      }
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, value, "not a URL: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "empty, or an http(s) URL";
  }
}
