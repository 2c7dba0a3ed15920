package io.cloudbridge.s3events;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Avro generic data to Connect values. Records become Structs (named as the Avro record), a union of null and one
 * type an optional field of that type, enums strings, fixed and bytes BYTES, maps with string keys MAPs; the
 * logical types date, time-millis, timestamp-millis/micros and decimal become Connect's Date, Time, Timestamp and
 * Decimal. Other unions become a Struct with one optional field per branch, named after the branch's type.
 * The Connect schema is built once per Avro schema.
 */
final class AvroValues {

  private final org.apache.avro.Schema avroSchema;
  private final Map<org.apache.avro.Schema, Schema> converted = new IdentityHashMap<>();
  private final Schema schema;

  AvroValues(org.apache.avro.Schema avroSchema) {
    this.avroSchema = avroSchema;
    this.schema = toConnect(avroSchema, false);
  }

  Schema schema() {
    return schema;
  }

  Object convert(Object datum) {
    return value(avroSchema, schema, datum);
  }

  private Schema toConnect(org.apache.avro.Schema s, boolean optional) {
    Schema done = converted.get(s);
    if (done != null && done.isOptional() == optional) {
      return done;
    }
    SchemaBuilder b = builder(s);
    if (optional) {
      b.optional();
    }
    Schema built = b.build();
    if (!optional) {
      converted.put(s, built);
    }
    return built;
  }

  private SchemaBuilder builder(org.apache.avro.Schema s) {
    LogicalType logical = s.getLogicalType();
    if (logical instanceof LogicalTypes.Date) {
      return Date.builder();
    }
    if (logical instanceof LogicalTypes.TimeMillis) {
      return Time.builder();
    }
    if (logical instanceof LogicalTypes.TimestampMillis || logical instanceof LogicalTypes.TimestampMicros) {
      return Timestamp.builder();
    }
    if (logical instanceof LogicalTypes.Decimal d) {
      return Decimal.builder(d.getScale());
    }
    return switch (s.getType()) {
      case RECORD -> {
        SchemaBuilder b = SchemaBuilder.struct().name(s.getFullName());
        for (org.apache.avro.Schema.Field f : s.getFields()) {
          b.field(f.name(), field(f.schema()));
        }
        yield b;
      }
      case ARRAY -> SchemaBuilder.array(field(s.getElementType()));
      case MAP -> SchemaBuilder.map(Schema.STRING_SCHEMA, field(s.getValueType()));
      case UNION -> {
        SchemaBuilder b = SchemaBuilder.struct().name("union");
        for (org.apache.avro.Schema branch : s.getTypes()) {
          if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
            b.field(branchName(branch), toConnect(branch, true));
          }
        }
        yield b;
      }
      case ENUM, STRING -> SchemaBuilder.string();
      case FIXED, BYTES -> SchemaBuilder.bytes();
      case INT -> SchemaBuilder.int32();
      case LONG -> SchemaBuilder.int64();
      case FLOAT -> SchemaBuilder.float32();
      case DOUBLE -> SchemaBuilder.float64();
      case BOOLEAN -> SchemaBuilder.bool();
      case NULL -> SchemaBuilder.string().optional();
    };
  }

  /** A field's schema: a union of null and one other type is that type, optional. */
  private Schema field(org.apache.avro.Schema s) {
    org.apache.avro.Schema single = nullableBranch(s);
    return single != null ? toConnect(single, true) : toConnect(s, s.getType() == org.apache.avro.Schema.Type.UNION);
  }

  private static org.apache.avro.Schema nullableBranch(org.apache.avro.Schema s) {
    if (s.getType() != org.apache.avro.Schema.Type.UNION || s.getTypes().size() != 2 || !s.isNullable()) {
      return null;
    }
    for (org.apache.avro.Schema branch : s.getTypes()) {
      if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
        return branch;
      }
    }
    return null;
  }

  private static String branchName(org.apache.avro.Schema branch) {
    return switch (branch.getType()) {
      case RECORD, ENUM, FIXED -> branch.getName();
      default -> branch.getType().getName();
    };
  }

  private Object value(org.apache.avro.Schema s, Schema target, Object datum) {
    if (datum == null) {
      return null;
    }
    org.apache.avro.Schema single = nullableBranch(s);
    if (single != null) {
      return value(single, target, datum);
    }
    LogicalType logical = s.getLogicalType();
    if (logical instanceof LogicalTypes.Date) {
      return new java.util.Date(((Number) datum).longValue() * 86_400_000L);
    }
    if (logical instanceof LogicalTypes.TimeMillis) {
      return new java.util.Date(((Number) datum).longValue());
    }
    if (logical instanceof LogicalTypes.TimestampMillis) {
      return new java.util.Date(((Number) datum).longValue());
    }
    if (logical instanceof LogicalTypes.TimestampMicros) {
      return new java.util.Date(Math.floorDiv(((Number) datum).longValue(), 1000L));
    }
    if (logical instanceof LogicalTypes.Decimal d) {
      byte[] unscaled = datum instanceof GenericFixed f ? f.bytes() : bytes((ByteBuffer) datum);
      return new BigDecimal(new BigInteger(unscaled), d.getScale());
    }
    return switch (s.getType()) {
      case RECORD -> {
        IndexedRecord record = (IndexedRecord) datum;
        Struct struct = new Struct(target);
        for (org.apache.avro.Schema.Field f : s.getFields()) {
          Field tf = target.field(f.name());
          struct.put(tf, value(f.schema(), tf.schema(), record.get(f.pos())));
        }
        yield struct;
      }
      case ARRAY -> {
        List<Object> out = new ArrayList<>();
        for (Object element : (Iterable<?>) datum) {
          out.add(value(s.getElementType(), target.valueSchema(), element));
        }
        yield out;
      }
      case MAP -> {
        Map<String, Object> out = new HashMap<>();
        ((Map<?, ?>) datum).forEach((k, v) -> out.put(k.toString(), value(s.getValueType(), target.valueSchema(), v)));
        yield out;
      }
      case UNION -> {
        int index = org.apache.avro.generic.GenericData.get().resolveUnion(s, datum);
        org.apache.avro.Schema branch = s.getTypes().get(index);
        Struct struct = new Struct(target);
        if (branch.getType() != org.apache.avro.Schema.Type.NULL) {
          Field tf = target.field(branchName(branch));
          struct.put(tf, value(branch, tf.schema(), datum));
        }
        yield struct;
      }
      case ENUM -> ((GenericEnumSymbol<?>) datum).toString();
      case STRING -> datum.toString();
      case FIXED -> ((GenericFixed) datum).bytes().clone();
      case BYTES -> bytes((ByteBuffer) datum);
      default -> datum; // int, long, float, double, boolean: the same Java types in both
    };
  }

  private static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
