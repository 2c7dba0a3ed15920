package io.cloudbridge.common.config;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * Time patterns that print parts of names (GCS object names, partition keys, Hive paths): a
 * {@link DateTimeFormatter} pattern checked so that whatever it prints is the same on every worker and can be
 * printed for any time a record may carry.
 *
 * <p>Refused, with a message saying why:
 * <ul>
 *   <li>week-based and locale-defined fields ({@code Y w W e c}): their values depend on the worker's locale (which
 *       day starts a week, how many days the first week needs), so two workers would name one record differently;
 *       the JDK also fails to print {@code Y} wider than 10 letters (ArrayIndexOutOfBoundsException from
 *       {@code WeekBasedFieldPrinterParser}, found by fuzzing);</li>
 *   <li>{@code F}: the JDK maps it to aligned day-of-week-in-month up to Java 18 and to aligned week-of-month from
 *       Java 19 on (JDK-8169833), so it prints differently on the Connect versions users run;</li>
 *   <li>{@code B} (day periods, Java 16+) and any letter not listed below;</li>
 *   <li>a letter repeated more often than its field can use (e.g. 17 {@code y}), or a pad ({@code p}) wider than
 *       {@value #MAX_PAD}: absurd widths that only make names long.</li>
 * </ul>
 * Text fields (month and day names, era, AM/PM) print in English ({@link Locale#US}) whatever the worker's locale.
 * A pattern that passes is also printed once for now, so that a pad narrower than today's values (e.g. {@code ppyyyy}:
 * 2026 does not fit a pad of 2) fails at config time; a time far from now may still not fit, and callers turn that
 * into an error naming the record.
 */
public final class TimePatterns {

  /** The widest pad ({@code p} repeated) a pattern may ask for. */
  public static final int MAX_PAD = 9;

  /** Each allowed pattern letter and the most letters its field can use. */
  private static final Map<Character, Integer> WIDEST = Map.ofEntries(
      Map.entry('G', 5), // era
      Map.entry('u', 9), Map.entry('y', 9), // year; 9 digits hold every year java.time prints for an Instant
      Map.entry('D', 3), // day of year
      Map.entry('M', 5), Map.entry('L', 5), // month, number or text
      Map.entry('d', 2), // day of month
      Map.entry('Q', 5), Map.entry('q', 5), // quarter
      Map.entry('E', 5), // day of week, text
      Map.entry('a', 1), // AM/PM
      Map.entry('h', 2), Map.entry('K', 2), Map.entry('k', 2), Map.entry('H', 2), Map.entry('m', 2),
      Map.entry('s', 2),
      Map.entry('S', 9), // fraction of a second
      Map.entry('A', 8), // milli of day
      Map.entry('n', 9), // nano of second
      Map.entry('N', 14), // nano of day
      Map.entry('V', 2), Map.entry('v', 4), Map.entry('z', 4), Map.entry('O', 4), // zone
      Map.entry('X', 5), Map.entry('x', 5), Map.entry('Z', 5), // offset
      Map.entry('p', MAX_PAD)); // pad the next field

  private static final String WEEK_BASED = "YwWec";

  private TimePatterns() {}

  /**
   * The formatter for {@code pattern} (no zone set: callers add theirs).
   *
   * @throws IllegalArgumentException saying what is wrong with the pattern, to be wrapped in the caller's
   *     ConfigException
   */
  public static DateTimeFormatter compile(String pattern) {
    if (pattern.isEmpty()) {
      throw new IllegalArgumentException("the time pattern is empty");
    }
    for (int i = 0; i < pattern.length(); ) {
      char c = pattern.charAt(i);
      if (c == '\'') { // a quoted literal ('' is one quote)
        int end = pattern.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("the quote at position " + i + " is not closed");
        }
        i = end + 1;
        continue;
      }
      if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
        i++;
        continue;
      }
      int run = 1;
      while (i + run < pattern.length() && pattern.charAt(i + run) == c) {
        run++;
      }
      check(c, run);
      i += run;
    }
    DateTimeFormatter formatter;
    try {
      formatter = DateTimeFormatter.ofPattern(pattern, Locale.US);
    } catch (IllegalArgumentException | ClassCastException e) {
      // ClassCastException: the JDK's own parser, on some padded patterns (found by fuzzing)
      throw new IllegalArgumentException("not a time pattern: " + e.getMessage(), e);
    }
    try {
      formatter.withZone(ZoneOffset.UTC).format(Instant.now());
    } catch (RuntimeException e) { // DateTimeException: a pad narrower than today's value
      throw new IllegalArgumentException("cannot print today's time: " + e.getMessage(), e);
    }
    return formatter;
  }

  private static void check(char letter, int run) {
    if (WEEK_BASED.indexOf(letter) >= 0) {
      throw new IllegalArgumentException("'" + letter + "' is a week-based field whose value depends on the"
          + " worker's locale; use yyyy (year), MM (month), dd (day of month) or DDD (day of year)");
    }
    if (letter == 'F') {
      throw new IllegalArgumentException("'F' means different fields on different Java versions; use dd or DDD");
    }
    Integer widest = WIDEST.get(letter);
    if (widest == null) {
      throw new IllegalArgumentException("'" + letter + "' is not a time field letter that names can use (letters"
          + " other than a-z and A-Z print as they are; quote text with ')");
    }
    if (run > widest) {
      throw new IllegalArgumentException(run + " '" + letter + "' in a row: its field is never wider than "
          + widest + (widest == 1 ? " letter" : " letters"));
    }
  }
}
