package io.cloudbridge.smt;

import java.util.Locale;

/**
 * What a transform does when the field it works on is missing, or null (a tombstone included): {@code fail} with
 * an error naming the record, {@code passthrough} the record unchanged, or write {@code null} where its result goes.
 */
public enum Absent {
  FAIL, PASSTHROUGH, NULL;

  static Absent parse(String value) {
    return valueOf(value.trim().toUpperCase(Locale.ROOT));
  }
}
