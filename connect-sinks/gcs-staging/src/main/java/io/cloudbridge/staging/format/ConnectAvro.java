package io.cloudbridge.staging.format;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema.Field;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Connect schemas and values as Avro, for Avro and Parquet objects, in the types a BigQuery load job maps well:
 * Date to {@code date}, Time to {@code time-millis}, Timestamp to {@code timestamp-millis}, Decimal to {@code
 * decimal} bytes (precision from Debezium's {@code connect.decimal.precision}, else 38), Debezium's day, micro and
 * milli types to the matching logical types. Optional schemas become unions with null (default null); maps with
 * string keys Avro maps, other maps arrays of key/value records; names that Avro does not allow are rewritten with
 * underscores. A struct without fields (JSON's {@code {}} before a schemaless source has seen any field in it), and
 * an array of such, is left out: Parquet has no empty group ("Cannot write a schema with an empty group"), BigQuery
 * no RECORD without columns, and the value carries no data; the field appears in later objects once it has fields.
 * One instance serves one object, so the schemas it names never clash.
 */
final class ConnectAvro {

  private static final String NAMESPACE = "io.cloudbridge.gcs";
  private static final org.apache.avro.Schema NULL = org.apache.avro.Schema.create(org.apache.avro.Schema.Type.NULL);

  private final Set<String> recordNames = new HashSet<>();
  private final Map<Schema, org.apache.avro.Schema> structs = new HashMap<>();

  /** The Avro schema of a record's value (a value of any type with {@code envelope} false). */
  org.apache.avro.Schema valueSchema(Schema value) {
    return schema(value, "Value", false);
  }

  /** The Avro schema of the envelope: Kafka coordinates, timestamp, key, value and headers. */
  org.apache.avro.Schema envelopeSchema(Schema key, Schema value) {
    org.apache.avro.Schema keySchema = key == null ? optional(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING))
        : schema(key, "Key", true);
    org.apache.avro.Schema valueSchema = schema(value, "Value", true);
    org.apache.avro.Schema timestamp =
        LogicalTypes.timestampMillis().addToSchema(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.LONG));
    org.apache.avro.Schema headerValue = optional(org.apache.avro.Schema.create(org.apache.avro.Schema.Type.STRING));
    return SchemaBuilder.record("Envelope").namespace(NAMESPACE).fields()
        .name("topic").type().stringType().noDefault()
        .name("partition").type().intType().noDefault()
        .name("offset").type().longType().noDefault()
        .name("timestamp").type(optional(timestamp)).withDefault(null)
        .name("key").type(keySchema).withDefault(null)
        .name("value").type(valueSchema).withDefault(null)
        .name("headers").type(org.apache.avro.Schema.createMap(headerValue)).noDefault()
        .endRecord();
  }

  /** The envelope of a record, for {@link #envelopeSchema}. */
  GenericData.Record envelope(SinkRecord r, org.apache.avro.Schema schema) {
    GenericData.Record e = new GenericData.Record(schema);
    e.put("topic", r.topic());
    e.put("partition", r.kafkaPartition());
    e.put("offset", r.kafkaOffset());
    e.put("timestamp", r.timestamp());
    Object key = r.keySchema() == null && r.key() != null ? JsonText.of(null, r.key()) : r.key();
    e.put("key", value(r.keySchema(), key, schema.getField("key").schema()));
    e.put("value", value(r.valueSchema(), r.value(), schema.getField("value").schema()));
    Map<String, String> headers = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      headers.put(h.key(), h.value() == null ? null : JsonText.of(h.schema(), h.value()));
    }
    e.put("headers", headers);
    return e;
  }

  private org.apache.avro.Schema schema(Schema s, String path, boolean nullable) {
    org.apache.avro.Schema plain = plain(s, path);
    return nullable || s.isOptional() ? optional(plain) : plain;
  }

  private static org.apache.avro.Schema optional(org.apache.avro.Schema s) {
    return s.getType() == org.apache.avro.Schema.Type.UNION ? s : org.apache.avro.Schema.createUnion(NULL, s);
  }

  private org.apache.avro.Schema plain(Schema s, String path) {
    String logical = s.name() == null ? "" : s.name();
    switch (logical) {
      case "org.apache.kafka.connect.data.Decimal" -> {
        int scale = Integer.parseInt(s.parameters().get("scale"));
        String p = s.parameters().get("connect.decimal.precision");
        int precision = p == null ? Math.max(38, scale) : Integer.parseInt(p);
        return LogicalTypes.decimal(precision, scale).addToSchema(primitive(org.apache.avro.Schema.Type.BYTES));
      }
      case "org.apache.kafka.connect.data.Date", "io.debezium.time.Date" -> {
        return LogicalTypes.date().addToSchema(primitive(org.apache.avro.Schema.Type.INT));
      }
      case "org.apache.kafka.connect.data.Time", "io.debezium.time.Time" -> {
        return LogicalTypes.timeMillis().addToSchema(primitive(org.apache.avro.Schema.Type.INT));
      }
      case "org.apache.kafka.connect.data.Timestamp", "io.debezium.time.Timestamp" -> {
        return LogicalTypes.timestampMillis().addToSchema(primitive(org.apache.avro.Schema.Type.LONG));
      }
      case "io.debezium.time.MicroTimestamp" -> {
        return LogicalTypes.timestampMicros().addToSchema(primitive(org.apache.avro.Schema.Type.LONG));
      }
      case "io.debezium.time.MicroTime" -> {
        return LogicalTypes.timeMicros().addToSchema(primitive(org.apache.avro.Schema.Type.LONG));
      }
      default -> {
        // other types as their underlying type
      }
    }
    return switch (s.type()) {
      case INT8, INT16, INT32 -> primitive(org.apache.avro.Schema.Type.INT);
      case INT64 -> primitive(org.apache.avro.Schema.Type.LONG);
      case FLOAT32 -> primitive(org.apache.avro.Schema.Type.FLOAT);
      case FLOAT64 -> primitive(org.apache.avro.Schema.Type.DOUBLE);
      case BOOLEAN -> primitive(org.apache.avro.Schema.Type.BOOLEAN);
      case STRING -> primitive(org.apache.avro.Schema.Type.STRING);
      case BYTES -> primitive(org.apache.avro.Schema.Type.BYTES);
      case ARRAY -> org.apache.avro.Schema.createArray(schema(s.valueSchema(), path + "_item", false));
      case MAP -> s.keySchema().type() == Schema.Type.STRING
          ? org.apache.avro.Schema.createMap(schema(s.valueSchema(), path + "_value", false))
          : org.apache.avro.Schema.createArray(SchemaBuilder.record(recordName(path + "_entry")).namespace(NAMESPACE)
              .fields()
              .name("key").type(schema(s.keySchema(), path + "_key", false)).noDefault()
              .name("value").type(schema(s.valueSchema(), path + "_value", false)).noDefault()
              .endRecord());
      case STRUCT -> struct(s, path);
    };
  }

  private org.apache.avro.Schema struct(Schema s, String path) {
    org.apache.avro.Schema known = structs.get(s);
    if (known != null) {
      return known;
    }
    String name = s.name() == null ? path : s.name().substring(s.name().lastIndexOf('.') + 1);
    List<Field> fields = new ArrayList<>();
    Set<String> fieldNames = new HashSet<>();
    for (org.apache.kafka.connect.data.Field f : s.fields()) {
      if (empty(f.schema())) {
        continue;
      }
      String fieldName = avroName(f.name());
      if (!fieldNames.add(fieldName)) {
        throw new DataException("fields " + f.name() + " and another both become Avro field " + fieldName);
      }
      org.apache.avro.Schema type = schema(f.schema(), path + "_" + fieldName, false);
      fields.add(f.schema().isOptional() ? new Field(fieldName, type, null, JsonProperties.NULL_VALUE)
          : new Field(fieldName, type));
    }
    org.apache.avro.Schema record =
        org.apache.avro.Schema.createRecord(recordName(name), s.doc(), NAMESPACE, false, fields);
    structs.put(s, record);
    return record;
  }

  /** A struct without fields (none, or only fields that are themselves empty), or an array of one. */
  static boolean empty(Schema s) {
    if (s.type() == Schema.Type.ARRAY) {
      return empty(s.valueSchema());
    }
    if (s.type() != Schema.Type.STRUCT) {
      return false;
    }
    for (org.apache.kafka.connect.data.Field f : s.fields()) {
      if (!empty(f.schema())) {
        return false;
      }
    }
    return true;
  }

  /** A record name not used yet in this schema. */
  private String recordName(String wanted) {
    String name = avroName(wanted);
    String unique = name;
    for (int i = 2; !recordNames.add(unique); i++) {
      unique = name + "_" + i;
    }
    return unique;
  }

  private static String avroName(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
      b.append(ok ? c : '_');
    }
    return b.length() == 0 ? "_" : b.toString();
  }

  private static org.apache.avro.Schema primitive(org.apache.avro.Schema.Type type) {
    return org.apache.avro.Schema.create(type);
  }

  /** A Connect value as the Avro datum of {@code avro} (made from {@code schema} by this instance). */
  Object value(Schema schema, Object v, org.apache.avro.Schema declared) {
    if (v == null) {
      if (declared.getType() == org.apache.avro.Schema.Type.UNION) {
        return null;
      }
      throw new DataException("a null where " + (schema == null ? "a value" : schema.type() + " " + nameOf(schema))
          + " is not optional");
    }
    org.apache.avro.Schema avro =
        declared.getType() == org.apache.avro.Schema.Type.UNION ? declared.getTypes().get(1) : declared;
    if (schema == null) {
      if (v instanceof String) {
        return v; // a schemaless key or header, already made text
      }
      throw new DataException("a value without a schema; Avro and Parquet need one (e.g. JsonConverter with"
          + " schemas.enable=true, or an Avro converter), or use format jsonl");
    }
    String logical = schema.name() == null ? "" : schema.name();
    switch (logical) {
      case "org.apache.kafka.connect.data.Decimal" -> {
        BigDecimal d = (BigDecimal) v;
        int scale = Integer.parseInt(schema.parameters().get("scale"));
        if (d.scale() != scale) {
          throw new DataException("a Decimal of scale " + d.scale() + " where the schema says " + scale);
        }
        return ByteBuffer.wrap(d.unscaledValue().toByteArray());
      }
      case "org.apache.kafka.connect.data.Date" -> {
        return (int) Math.floorDiv(((Date) v).getTime(), 86_400_000L);
      }
      case "org.apache.kafka.connect.data.Time" -> {
        return (int) ((Date) v).getTime();
      }
      case "org.apache.kafka.connect.data.Timestamp" -> {
        return ((Date) v).getTime();
      }
      default -> {
        // other types as their underlying type
      }
    }
    return switch (schema.type()) {
      case INT8, INT16, INT32 -> ((Number) v).intValue();
      case INT64 -> ((Number) v).longValue();
      case FLOAT32, FLOAT64, BOOLEAN, STRING -> v;
      case BYTES -> v instanceof byte[] b ? ByteBuffer.wrap(b) : v;
      case ARRAY -> {
        Collection<?> c = (Collection<?>) v;
        List<Object> out = new ArrayList<>(c.size());
        for (Object o : c) {
          out.add(value(schema.valueSchema(), o, avro.getElementType()));
        }
        yield out;
      }
      case MAP -> {
        Map<?, ?> m = (Map<?, ?>) v;
        if (avro.getType() == org.apache.avro.Schema.Type.MAP) {
          Map<String, Object> out = new LinkedHashMap<>();
          m.forEach((k, o) -> out.put((String) k, value(schema.valueSchema(), o, avro.getValueType())));
          yield out;
        }
        org.apache.avro.Schema entry = avro.getElementType();
        List<Object> out = new ArrayList<>(m.size());
        m.forEach((k, o) -> {
          GenericData.Record e = new GenericData.Record(entry);
          e.put(0, value(schema.keySchema(), k, entry.getFields().get(0).schema()));
          e.put(1, value(schema.valueSchema(), o, entry.getFields().get(1).schema()));
          out.add(e);
        });
        yield out;
      }
      case STRUCT -> {
        Struct s = (Struct) v;
        GenericData.Record out = new GenericData.Record(avro);
        List<org.apache.kafka.connect.data.Field> fields = schema.fields();
        int j = 0; // the Avro field: empty structs have none
        for (int i = 0; i < fields.size(); i++) {
          org.apache.kafka.connect.data.Field f = fields.get(i);
          if (empty(f.schema())) {
            continue;
          }
          try {
            out.put(j, value(f.schema(), s.get(f), avro.getFields().get(j).schema()));
          } catch (DataException e) {
            throw new DataException("field " + f.name() + ": " + e.getMessage(), e);
          }
          j++;
        }
        yield out;
      }
    };
  }

  private static String nameOf(Schema s) {
    return s.name() == null ? "" : s.name();
  }
}
