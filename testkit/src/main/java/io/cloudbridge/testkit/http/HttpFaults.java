package io.cloudbridge.testkit.http;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults a stand-in injects on demand: the next N requests that match a method and a path fragment get
 * an error status, a delay, or a connection dropped half-way through reading the request body.
 */
public final class HttpFaults {

  /** What happens to a matching request. */
  public enum Kind { STATUS, DELAY, DROP_CONNECTION }

  /** One armed fault. {@code method} null matches any method; {@code pathPart} is a substring of the raw path+query. */
  public record Fault(Kind kind, String method, String pathPart, int status, Duration delay, AtomicInteger remaining) {
    boolean matches(String requestMethod, String pathAndQuery) {
      return (method == null || method.equalsIgnoreCase(requestMethod)) && pathAndQuery.contains(pathPart);
    }
  }

  private final List<Fault> armed = new CopyOnWriteArrayList<>();
  private final AtomicInteger injected = new AtomicInteger();

  /** The next {@code times} matching requests are answered with {@code status} and the service's error body. */
  public HttpFaults failNext(int times, String method, String pathPart, int status) {
    armed.add(new Fault(Kind.STATUS, method, pathPart, status, Duration.ZERO, new AtomicInteger(times)));
    return this;
  }

  /** The next {@code times} matching requests are answered only after {@code delay}. */
  public HttpFaults delayNext(int times, String method, String pathPart, Duration delay) {
    armed.add(new Fault(Kind.DELAY, method, pathPart, 0, delay, new AtomicInteger(times)));
    return this;
  }

  /** The next {@code times} matching requests have their connection closed after half the body was read. */
  public HttpFaults dropConnectionNext(int times, String method, String pathPart) {
    armed.add(new Fault(Kind.DROP_CONNECTION, method, pathPart, 0, Duration.ZERO, new AtomicInteger(times)));
    return this;
  }

  public void clear() {
    armed.clear();
  }

  /** How many faults were injected so far. */
  public int injected() {
    return injected.get();
  }

  /** Takes one use of the first armed fault that matches, if any. */
  Optional<Fault> take(String method, String pathAndQuery) {
    for (Fault fault : armed) {
      if (fault.matches(method, pathAndQuery) && fault.remaining().getAndDecrement() > 0) {
        injected.incrementAndGet();
        return Optional.of(fault);
      }
    }
    armed.removeIf(f -> f.remaining().get() <= 0);
    return Optional.empty();
  }
}
