package io.cloudbridge.testkit.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import com.sun.net.httpserver.HttpExchange;

/** A request as a stand-in sees it: path segments percent-decoded one by one, query decoded, body un-gzipped. */
public final class HttpRequest {

  private final HttpExchange exchange;
  private final List<String> segments;
  private final Map<String, String> query;
  private byte[] body;

  HttpRequest(HttpExchange exchange) {
    this.exchange = exchange;
    URI uri = exchange.getRequestURI();
    this.segments = decodeSegments(uri.getRawPath());
    this.query = decodeQuery(uri.getRawQuery());
  }

  /** The HTTP method, honouring {@code X-HTTP-Method-Override} (google-http-client sends PATCH as POST with it). */
  public String method() {
    String override = header("X-HTTP-Method-Override");
    return override != null && exchange.getRequestMethod().equals("POST") ? override : exchange.getRequestMethod();
  }

  /** Path segments, each percent-decoded on its own, so an object name sent as {@code a%2Fb} stays one segment. */
  public List<String> segments() {
    return segments;
  }

  public String segment(int i) {
    return i < segments.size() ? segments.get(i) : null;
  }

  public String query(String name) {
    return query.get(name);
  }

  public Map<String, String> query() {
    return query;
  }

  public String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  /** The request body, gunzipped when the client sent {@code Content-Encoding: gzip} (the GCS client does). */
  public byte[] body() {
    if (body == null) {
      try {
        // Not closed here: the server drains and closes the exchange's stream after answering.
        body = bodyStream().readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException("reading request body", e);
      }
    }
    return body;
  }

  public String bodyText() {
    return new String(body(), StandardCharsets.UTF_8);
  }

  private InputStream bodyStream() throws IOException {
    InputStream raw = exchange.getRequestBody();
    return "gzip".equalsIgnoreCase(header("Content-Encoding")) ? new GZIPInputStream(raw) : raw;
  }

  /** The absolute base URL the client used to reach us, e.g. {@code http://127.0.0.1:4443}. */
  public String baseUrl() {
    String host = header("Host");
    if (host == null) {
      host = exchange.getLocalAddress().getHostString() + ":" + exchange.getLocalAddress().getPort();
    }
    return "http://" + host;
  }

  static List<String> decodeSegments(String rawPath) {
    List<String> out = new ArrayList<>();
    for (String s : rawPath.split("/")) {
      if (!s.isEmpty()) {
        out.add(percentDecode(s));
      }
    }
    return Collections.unmodifiableList(out);
  }

  /** Percent-decoding of a path segment: unlike form decoding, '+' stays '+'. */
  static String percentDecode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, String> decodeQuery(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }
}
