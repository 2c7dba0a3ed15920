package io.cloudbridge.bigquery.rows;

import java.util.Set;
import org.apache.kafka.connect.data.Schema;

/** Connect and Debezium logical types that map to one BigQuery scalar column whatever their underlying type. */
final class ConnectTypes {

  private static final Set<String> SCALARS = Set.of("org.apache.kafka.connect.data.Decimal",
      "io.debezium.data.VariableScaleDecimal");

  private ConnectTypes() {}

  /** True for a struct-typed schema that is one scalar column (e.g. Debezium's VariableScaleDecimal). */
  static boolean isLogical(Schema s) {
    return s.name() != null && SCALARS.contains(s.name());
  }
}
