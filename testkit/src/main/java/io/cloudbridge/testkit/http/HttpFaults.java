package io.cloudbridge.testkit.http;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Faults a stand-in injects on demand: the next N requests that match a method and a path fragment get
 * an error status, a delay, or a connection dropped half-way through reading the request body — all before the
 * request is applied — or, after it was applied, a lost reply: the connection closed instead of the answer, or a
 * 503 in its place ("the server wrote it, then the reply was lost"), which is what makes a client's retry meet
 * its own write.
 */
public final class HttpFaults {

  /** What happens to a matching request. */
  public enum Kind { STATUS, DELAY, DROP_CONNECTION, APPLY_THEN_DROP, APPLY_THEN_STATUS }

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

  /** The next {@code times} matching requests are applied, then their connection is closed without an answer. */
  public HttpFaults applyThenDropNext(int times, String method, String pathPart) {
    armed.add(new Fault(Kind.APPLY_THEN_DROP, method, pathPart, 0, Duration.ZERO, new AtomicInteger(times)));
    return this;
  }

  /** The next {@code times} matching requests are applied, then answered {@code status} instead of the result. */
  public HttpFaults applyThenFailNext(int times, String method, String pathPart, int status) {
    armed.add(new Fault(Kind.APPLY_THEN_STATUS, method, pathPart, status, Duration.ZERO, new AtomicInteger(times)));
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
