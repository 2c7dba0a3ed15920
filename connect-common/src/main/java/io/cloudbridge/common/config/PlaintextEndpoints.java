package io.cloudbridge.common.config;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * Endpoint overrides that would carry credentials, tokens and data unencrypted: plain {@code http://} (or plaintext
 * gRPC) to a host other than loopback is refused unless {@value #ALLOWED} is set. Loopback (localhost,
 * 127.0.0.0/8, ::1) stays allowed, for stand-ins and emulators on the same machine. Host names are judged as
 * written; none is resolved.
 */
public final class PlaintextEndpoints {

  public static final String ALLOWED = "endpoint.plaintext.allowed";
  private static final String DOC = "Allow endpoint overrides that speak plain http (or plaintext gRPC) to a host "
      + "other than loopback (localhost, 127.0.0.0/8, ::1). Off by default: such an endpoint carries credentials, "
      + "tokens and data unencrypted. Turn it on only for emulators on a private network, such as docker compose's.";
  private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(\\.\\d{1,3}){3}");

  private PlaintextEndpoints() {}

  /** Adds {@value #ALLOWED} to a connector's ConfigDef. */
  public static ConfigDef define(ConfigDef def, String group, int order) {
    return def.define(ALLOWED, Type.BOOLEAN, false, Importance.LOW, DOC, group, order, Width.SHORT,
        "Allow plaintext endpoints");
  }

  /** Throws a ConfigException naming the first of {@code urlKeys} that is plain http to a non-loopback host. */
  public static void require(AbstractConfig config, String... urlKeys) {
    if (config.getBoolean(ALLOWED)) {
      return;
    }
    for (String key : urlKeys) {
      String url = config.getString(key).trim();
      if (!url.isEmpty() && isPlainHttpElsewhere(url)) {
        throw new ConfigException(key, url, refusal("plain http"));
      }
    }
  }

  /** As {@link #require}, for a gRPC {@code host:port} endpoint that {@code plaintextKey} turns to plaintext. */
  public static void requireGrpc(AbstractConfig config, String hostPortKey, String plaintextKey) {
    String hostPort = config.getString(hostPortKey).trim();
    if (config.getBoolean(ALLOWED) || !config.getBoolean(plaintextKey) || hostPort.isEmpty()) {
      return;
    }
    int colon = hostPort.lastIndexOf(':');
    String host = colon > 0 ? hostPort.substring(0, colon) : hostPort;
    if (!isLoopback(host)) {
      throw new ConfigException(hostPortKey, hostPort, refusal(plaintextKey + "=true"));
    }
  }

  private static String refusal(String what) {
    return what + " to a host other than loopback would carry credentials and data unencrypted; use an https "
        + "(TLS) endpoint, or set " + ALLOWED + "=true for an emulator on a private network";
  }

  static boolean isPlainHttpElsewhere(String url) {
    URI uri = URI.create(url);
    return "http".equalsIgnoreCase(uri.getScheme()) && !isLoopback(uri.getHost());
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.equals("localhost") || h.endsWith(".localhost") || IPV4_LOOPBACK.matcher(h).matches()
        || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
  }
}
