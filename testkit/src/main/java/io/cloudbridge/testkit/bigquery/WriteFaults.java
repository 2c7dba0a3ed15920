package io.cloudbridge.testkit.bigquery;

import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/** Faults the Storage Write stand-in injects into AppendRows on demand. */
public final class WriteFaults {

  private final AtomicInteger closeConnections = new AtomicInteger();
  private final AtomicInteger closeAfterApply = new AtomicInteger();
  private final AtomicReference<Status.Code> closeWith = new AtomicReference<>(Status.Code.UNAVAILABLE);
  private final AtomicInteger inBandErrors = new AtomicInteger();
  private final AtomicReference<Status.Code> inBandCode = new AtomicReference<>(Status.Code.INTERNAL);
  private final AtomicInteger schemaMismatches = new AtomicInteger();
  private final AtomicReference<Predicate<Map<String, Object>>> badRows = new AtomicReference<>();
  private final AtomicInteger injected = new AtomicInteger();
  private final AtomicReference<Status.Code> outage = new AtomicReference<>();
  private final Map<String, AtomicInteger> lostUnaryReplies = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * From now until {@link #endOutage}, every call — CreateWriteStream, GetWriteStream, AppendRows (the connection
   * ends), FinalizeWriteStream, BatchCommitWriteStreams, FlushRows — fails with {@code code} before anything is
   * applied: the service is down (UNAVAILABLE) or out of quota (RESOURCE_EXHAUSTED) for as long as a test wants.
   */
  public WriteFaults outage(Status.Code code) {
    outage.set(code);
    return this;
  }

  public WriteFaults endOutage() {
    outage.set(null);
    return this;
  }

  /**
   * The next {@code times} calls of the unary method {@code rpc} (e.g. "CreateWriteStream", "FinalizeWriteStream",
   * "BatchCommitWriteStreams", "GetWriteStream", "FlushRows") are applied, then answered UNAVAILABLE: the reply is
   * lost after the change was made.
   */
  public WriteFaults loseReplyOfNext(String rpc, int times) {
    lostUnaryReplies.computeIfAbsent(rpc, k -> new AtomicInteger()).set(times);
    return this;
  }

  /** The next {@code times} appends end the whole connection with {@code code} (e.g. UNAVAILABLE); nothing is written. */
  public WriteFaults closeConnectionOnNextAppends(int times, Status.Code code) {
    closeWith.set(code);
    closeConnections.set(times);
    return this;
  }

  /**
   * The next {@code times} appends are applied — their rows stored — and then the connection ends with UNAVAILABLE
   * instead of their response: the reply is lost after the write. The client reconnects and sends them again; a
   * committed stream then answers ALREADY_EXISTS for their offsets, the default stream stores them twice.
   */
  public WriteFaults loseReplyOfNextAppends(int times) {
    closeAfterApply.set(times);
    return this;
  }

  /** The next {@code times} appends get an in-stream error response with {@code code} (e.g. RESOURCE_EXHAUSTED). */
  public WriteFaults failNextAppends(int times, Status.Code code) {
    inBandCode.set(code);
    inBandErrors.set(times);
    return this;
  }

  /** The next {@code times} appends are refused as SCHEMA_MISMATCH_EXTRA_FIELDS. */
  public WriteFaults schemaMismatchOnNextAppends(int times) {
    schemaMismatches.set(times);
    return this;
  }

  /** Rows matching {@code rows} are refused with INVALID_ARGUMENT and a row error naming their index. */
  public WriteFaults rejectRows(Predicate<Map<String, Object>> rows) {
    badRows.set(rows);
    return this;
  }

  public void clear() {
    outage.set(null);
    lostUnaryReplies.clear();
    closeConnections.set(0);
    closeAfterApply.set(0);
    inBandErrors.set(0);
    schemaMismatches.set(0);
    badRows.set(null);
  }

  public int injected() {
    return injected.get();
  }

  /** The code every call fails with during an outage (counted as injected), or null. */
  Status.Code takeOutage() {
    Status.Code code = outage.get();
    if (code != null) {
      injected.incrementAndGet();
    }
    return code;
  }

  boolean takeLostUnaryReply(String rpc) {
    AtomicInteger left = lostUnaryReplies.get(rpc);
    return left != null && take(left);
  }

  Status.Code takeConnectionClose() {
    return take(closeConnections) ? closeWith.get() : null;
  }

  boolean takeLostReply() {
    return take(closeAfterApply);
  }

  Status.Code takeInBandError() {
    return take(inBandErrors) ? inBandCode.get() : null;
  }

  boolean takeSchemaMismatch() {
    return take(schemaMismatches);
  }

  boolean rejects(Map<String, Object> row) {
    Predicate<Map<String, Object>> p = badRows.get();
    return p != null && p.test(row);
  }

  private boolean take(AtomicInteger counter) {
    if (counter.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      injected.incrementAndGet();
      return true;
    }
    return false;
  }
}
