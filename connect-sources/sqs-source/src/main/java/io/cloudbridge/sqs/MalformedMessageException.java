package io.cloudbridge.sqs;

/** A message body that the configured format cannot read; says why, and the caller adds which message. */
public class MalformedMessageException extends Exception {

  private static final long serialVersionUID = 1L;

  public MalformedMessageException(String reason) {
    super(reason);
  }

  public MalformedMessageException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
