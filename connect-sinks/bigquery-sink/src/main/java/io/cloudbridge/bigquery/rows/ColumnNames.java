package io.cloudbridge.bigquery.rows;

import java.util.List;
import java.util.Locale;

/**
 * Field names as BigQuery column names that are also protobuf field names: letters, digits and underscores, not
 * starting with a digit, at most 300 characters, and none of the prefixes BigQuery reserves. Anything else becomes
 * an underscore, so {@code user-agent} is {@code user_agent} and {@code 2fa} is {@code _2fa}.
 */
public final class ColumnNames {

  private static final List<String> RESERVED = List.of("_table_", "_file_", "_partition", "_row_timestamp",
      "__root__", "_colidentifier", "_change_");

  private ColumnNames() {}

  public static String column(String field) {
    StringBuilder b = new StringBuilder(Math.min(field.length(), 300) + 1);
    for (int i = 0; i < field.length() && b.length() < 300; i++) {
      char c = field.charAt(i);
      boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      b.append(ok ? c : '_');
    }
    if (b.length() == 0 || Character.isDigit(b.charAt(0))) {
      b.insert(0, '_');
    }
    String lower = b.toString().toLowerCase(Locale.ROOT);
    for (String prefix : RESERVED) {
      if (lower.startsWith(prefix)) {
        b.insert(0, 'f'); // e.g. _PARTITIONTIME from a source becomes f_PARTITIONTIME
        break;
      }
    }
    return b.length() > 300 ? b.substring(0, 300) : b.toString();
  }
}
