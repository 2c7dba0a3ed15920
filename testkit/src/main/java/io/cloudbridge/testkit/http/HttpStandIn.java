package io.cloudbridge.testkit.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side shared by the Google stand-ins: a loopback server on a chosen or random port, request
 * decoding, fault injection, and the service's own error body for unexpected failures.
 */
public abstract class HttpStandIn implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpStandIn.class);

  static {
    // The JDK server writes a response's headers and body separately; with Nagle's algorithm on, the body waits
    // for the client's delayed ACK, 40 ms a request. Google's front ends answer without such a stall. (Read once,
    // when the JDK server's configuration class loads.)
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpFaults faults = new HttpFaults();
  /** The OAuth access token every request must carry as {@code Authorization: Bearer}, or null for none. */
  private volatile String requiredToken;

  protected HttpStandIn(int port) {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    } catch (IOException e) {
      throw new IllegalStateException("cannot bind " + getClass().getSimpleName() + " to port " + port, e);
    }
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, getClass().getSimpleName() + "-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::serve);
  }

  /** Starts answering; subclasses call it last in their constructor, once their own state is set. */
  protected final void start() {
    server.start();
  }

  /** Answers one request. Runs on a server thread; must be thread-safe. */
  protected abstract HttpResponse handle(HttpRequest request) throws Exception;

  /** The service's error body for a status, used for injected faults and unexpected exceptions. */
  protected abstract HttpResponse error(int status, String reason, String message);

  public HttpFaults faults() {
    return faults;
  }

  /**
   * From now on, requests must carry {@code Authorization: Bearer <token>}, as Google's APIs require: without one
   * they are answered 401 (reason {@code required}, "Login Required", with a {@code WWW-Authenticate} challenge),
   * with another token 403 (reason {@code forbidden}) — the shapes of Google's JSON API errors (fact sheet A.8).
   * Null: no authentication (the default, for clients configured with no credentials, as emulators are used).
   */
  public void requireToken(String token) {
    requiredToken = token;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** e.g. {@code http://127.0.0.1:41234} */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      log.debug("{} {} received", exchange.getRequestMethod(), exchange.getRequestURI());
      String target = exchange.getRequestURI().getRawPath()
          + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
      Optional<HttpFaults.Fault> fault = faults.take(exchange.getRequestMethod(), target);
      if (fault.isPresent()) {
        switch (fault.get().kind()) {
          case STATUS -> {
            drain(exchange.getRequestBody());
            send(exchange, error(fault.get().status(), reasonFor(fault.get().status()), "Injected fault"));
            return;
          }
          case DROP_CONNECTION -> {
            dropHalfWay(exchange);
            return;
          }
          case DELAY -> Thread.sleep(fault.get().delay().toMillis());
          default -> {
            // applied below, then the reply is lost
          }
        }
      }
      String token = requiredToken;
      if (token != null) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization == null || !authorization.startsWith("Bearer ")) {
          HttpResponse denied = error(401, "required", "Login Required");
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
          send(exchange, denied);
          return;
        }
        if (!authorization.substring("Bearer ".length()).equals(token)) {
          send(exchange, error(403, "forbidden", "The caller does not have permission"));
          return;
        }
      }
      HttpResponse response;
      try {
        response = handle(new HttpRequest(exchange));
      } catch (Exception e) {
        log.warn("{} failed on {} {}", getClass().getSimpleName(), exchange.getRequestMethod(), target, e);
        response = error(500, "internalError", String.valueOf(e.getMessage()));
      }
      log.debug("{} {} -> {}", exchange.getRequestMethod(), target, response.status());
      if (fault.isPresent() && fault.get().kind() == HttpFaults.Kind.APPLY_THEN_DROP) {
        log.debug("{} {} applied; closing the connection instead of answering", exchange.getRequestMethod(), target);
        exchange.close(); // no status line sent: the client sees the connection end
        return;
      }
      if (fault.isPresent() && fault.get().kind() == HttpFaults.Kind.APPLY_THEN_STATUS) {
        response = error(fault.get().status(), reasonFor(fault.get().status()), "Injected fault after the request"
            + " was applied");
      }
      send(exchange, response);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException | Error e) {
      log.warn("{} could not answer {} {}", getClass().getSimpleName(), exchange.getRequestMethod(),
          exchange.getRequestURI(), e);
      throw e;
    }
  }

  private static void dropHalfWay(HttpExchange exchange) throws IOException {
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    long half = length == null ? 1 : Long.parseLong(length) / 2;
    exchange.getRequestBody().readNBytes((int) Math.min(half, Integer.MAX_VALUE));
    // Closing an exchange that sent no status line closes the raw connection: what a client sees when
    // a proxy or server dies mid-request.
    exchange.close();
  }

  private static void drain(InputStream in) throws IOException {
    in.transferTo(OutputStream.nullOutputStream());
  }

  private static void send(HttpExchange exchange, HttpResponse response) throws IOException {
    for (Map.Entry<String, String> h : response.headers().entrySet()) {
      exchange.getResponseHeaders().set(h.getKey(), h.getValue());
    }
    drain(exchange.getRequestBody());
    boolean noBody = response.body().length == 0 || "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(response.status(), noBody ? -1 : response.body().length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(response.body());
      }
    }
  }

  private static String reasonFor(int status) {
    return switch (status) {
      case 429 -> "rateLimitExceeded";
      case 500 -> "internalError";
      case 502, 503, 504 -> "backendError";
      default -> "injected";
    };
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
