package io.cloudbridge.s3events;

/**
 * One S3 object event from a notification, whatever shape it came in. {@code key} is decoded; {@code versionId},
 * {@code etag} and {@code sequencer} are null when the notification had none.
 */
record ObjectEvent(String bucket, String key, String versionId, String etag, Long size, String sequencer,
    String eventName, String eventTime, boolean created) {

  /** The event name of a replay notification, queued when an operator alters the object's offset (KIP-875). */
  static final String REPLAY_EVENT = "ObjectCreated:CloudbridgeReplay";

  /** A replay asks for whatever the object's offset says now, whatever content was read before. */
  boolean replay() {
    return REPLAY_EVENT.equals(eventName);
  }

  /** bucket/key (and version), for messages. */
  String describe() {
    return "s3://" + bucket + "/" + key + (versionId == null ? "" : " (version " + versionId + ")");
  }
}
