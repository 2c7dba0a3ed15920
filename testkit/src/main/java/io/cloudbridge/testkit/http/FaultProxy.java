package io.cloudbridge.testkit.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/1.1 proxy on loopback in front of a server that cannot inject faults itself (ElasticMQ, S3Proxy): it
 * passes each request through unchanged (headers included, so AWS signatures still match) and answers the ones its
 * {@link #faults()} pick with an AWS-shaped 5xx, a delay, or a closed connection. One request per connection:
 * it asks the server for {@code Connection: close} so clients never reuse a connection the proxy closes.
 * Request bodies must carry a Content-Length (what the AWS SDK sends to SQS and S3 for these calls).
 */
public final class FaultProxy implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(FaultProxy.class);

  private final URI target;
  private final ServerSocket server;
  private final HttpFaults faults = new HttpFaults();
  private final java.util.List<String> responses = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean recording;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fault-proxy");
    t.setDaemon(true);
    return t;
  });

  private FaultProxy(URI target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    threads.execute(this::accept);
  }

  /** A proxy in front of {@code target} (http://host:port). */
  public static FaultProxy to(URI target) {
    try {
      return new FaultProxy(target);
    } catch (IOException e) {
      throw new IllegalStateException("fault proxy did not start", e);
    }
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  public HttpFaults faults() {
    return faults;
  }

  /** From now on keeps every response (status line, headers, body) it passes back, for {@link #responses()}. */
  public FaultProxy recordResponses() {
    recording = true;
    return this;
  }

  /** The responses recorded so far, as ISO-8859-1 text. */
  public java.util.List<String> responses() {
    return java.util.List.copyOf(responses);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> serve(client));
      } catch (IOException e) {
        if (!server.isClosed()) {
          log.warn("fault proxy accept failed", e);
        }
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
      String method = requestLine[0];
      String path = requestLine[1];
      byte[] body = in.readNBytes(contentLength(head));
      Optional<HttpFaults.Fault> fault = faults.take(method, path);
      if (fault.isPresent()) {
        switch (fault.get().kind()) {
          case DROP_CONNECTION -> {
            client.setSoLinger(true, 0); // a reset, as when a load balancer drops the connection
            return;
          }
          case STATUS -> {
            client.getOutputStream().write(errorResponse(fault.get().status(), head));
            return;
          }
          case DELAY -> Thread.sleep(fault.get().delay().toMillis());
          case APPLY_THEN_DROP -> {
            forward(head, body, OutputStream.nullOutputStream()); // the service applies it; the reply is lost
            client.setSoLinger(true, 0);
            return;
          }
          case APPLY_THEN_STATUS -> {
            forward(head, body, OutputStream.nullOutputStream());
            client.getOutputStream().write(errorResponse(fault.get().status(), head));
            return;
          }
        }
      }
      forward(head, body, client.getOutputStream());
    } catch (IOException e) {
      log.debug("fault proxy connection ended", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forward(String head, byte[] body, OutputStream toClient) throws IOException {
    StringBuilder upstreamHead = new StringBuilder();
    for (String line : head.split("\r\n")) {
      if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
        upstreamHead.append(line).append("\r\n");
      }
    }
    upstreamHead.append("Connection: close\r\n\r\n");
    try (Socket upstream = new Socket(target.getHost(), target.getPort())) {
      OutputStream out = upstream.getOutputStream();
      out.write(upstreamHead.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      if (recording) {
        byte[] response = upstream.getInputStream().readAllBytes();
        responses.add(new String(response, StandardCharsets.ISO_8859_1));
        toClient.write(response);
      } else {
        upstream.getInputStream().transferTo(toClient);
      }
    }
  }

  /** The service's error body: AWS JSON for SQS's JSON protocol (X-Amz-Target), S3's XML otherwise. */
  private static byte[] errorResponse(int status, String head) {
    String code = status == 503 ? "ServiceUnavailable" : "InternalError";
    boolean json = head.toLowerCase(Locale.ROOT).contains("\r\nx-amz-target:");
    String body = json
        ? "{\"__type\":\"com.amazonaws.sqs#" + (status == 503 ? "ServiceUnavailable" : "InternalFailure")
            + "\",\"message\":\"injected by the test's fault proxy\"}"
        : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code
            + "</Code><Message>We encountered an internal error. Please try again.</Message></Error>";
    String headers = "HTTP/1.1 " + status + (status == 503 ? " Service Unavailable" : " Internal Server Error") + "\r\n"
        + "Content-Type: " + (json ? "application/x-amz-json-1.0" : "application/xml") + "\r\n"
        + (json ? "x-amzn-query-error: " + (status == 503 ? "ServiceUnavailable" : "InternalFailure") + ";Receiver\r\n" : "")
        + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n";
    return (headers + body).getBytes(StandardCharsets.UTF_8);
  }

  /** The request line and headers up to the blank line, or null when the client closed first. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) != -1) {
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
      }
    }
    return null;
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("transfer-encoding:")) {
        throw new IllegalStateException("fault proxy: chunked request bodies are not supported: " + head);
      }
      if (lower.startsWith("content-length:")) {
        return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return 0;
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      log.debug("closing fault proxy", e);
    }
    threads.shutdownNow();
  }
}
