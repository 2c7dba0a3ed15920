package io.cloudbridge.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version every Cloudbridge plugin reports through {@code Versioned#version()}: the Maven project
 * version, written into {@code cloudbridge-version.properties} at build time.
 */
public final class PluginVersion {

  private static final String RESOURCE = "/cloudbridge-version.properties";
  private static final String VERSION = load();

  private PluginVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = PluginVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the connect-common jar");
      }
      Properties props = new Properties();
      props.load(in);
      return props.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + RESOURCE, e);
    }
  }
}
