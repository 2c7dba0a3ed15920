package io.cloudbridge.testkit.bigquery;

import java.util.regex.Pattern;

/**
 * BigQuery's {@code _CHANGE_SEQUENCE_NUMBER}: 1 to 4 sections of up to 16 hex digits separated by '/',
 * compared section by section as unsigned numbers; a shorter value is not padded (so "ABC" beats
 * "BA/FFFFFFFF", and "FFF/ABC" beats "ABC").
 */
public final class ChangeSequenceNumber {

  private static final Pattern FORMAT = Pattern.compile("[0-9A-Fa-f]{1,16}(/[0-9A-Fa-f]{1,16}){0,3}");

  private ChangeSequenceNumber() {}

  public static boolean valid(String s) {
    return FORMAT.matcher(s).matches();
  }

  /** Positive when {@code a} is later than {@code b}. */
  public static int compare(String a, String b) {
    String[] x = a.split("/");
    String[] y = b.split("/");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c = Long.compareUnsigned(Long.parseUnsignedLong(x[i], 16), Long.parseUnsignedLong(y[i], 16));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }
}
