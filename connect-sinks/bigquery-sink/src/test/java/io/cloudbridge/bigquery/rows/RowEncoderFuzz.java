package io.cloudbridge.bigquery.rows;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;

/**
 * Connect values of every type the encoder takes (RowEncoderTest.ROW: numbers, text, bytes, decimals of any scale and
 * size, dates and times, Debezium's time, JSON and variable-scale decimal types, a nested struct, a list and a map)
 * with values nobody chose: a row protobuf parses back against the encoder's own descriptor, or a
 * {@link DataException} for the value; nothing else.
 */
class RowEncoderFuzz {

  private static final RowEncoder ENCODER = RowEncoder.forSchema(RowEncoderTest.ROW);

  @FuzzTest(maxDuration = "15s")
  void encodesRowsProtobufReadsBackOrRefusesTheValue(FuzzedDataProvider data) throws InvalidProtocolBufferException {
    Struct row = new Struct(RowEncoderTest.ROW);
    for (Field f : RowEncoderTest.ROW.fields()) {
      if (f.schema().isOptional() && data.consumeBoolean()) {
        continue;
      }
      row.put(f, value(f, data));
    }
    ByteString encoded;
    try {
      encoded = ENCODER.encode(row);
    } catch (DataException refused) {
      if (refused.getMessage() == null || refused.getMessage().isBlank()) {
        throw new AssertionError("a refused value must say why", refused);
      }
      return;
    }
    DynamicMessage.parseFrom(ENCODER.descriptor(), encoded);
  }

  private static Object value(Field f, FuzzedDataProvider data) {
    return switch (f.name()) {
      case "id", "dbz_micro_ts", "dbz_micro_time" -> data.consumeLong();
      case "qty" -> data.consumeShort();
      case "ratio" -> data.consumeFloat();
      case "paid" -> data.consumeBoolean();
      case "user-agent", "dbz_zoned", "dbz_json" -> data.consumeString(200);
      case "blob" -> data.consumeBytes(64);
      case "price" -> new BigDecimal(new BigInteger(nonEmpty(data.consumeBytes(24))), 2);
      case "huge" -> new BigDecimal(new BigInteger(nonEmpty(data.consumeBytes(40))), 20);
      case "day", "at", "alarm" -> new Date(data.consumeLong());
      case "dbz_day" -> data.consumeInt();
      case "dbz_decimal" -> new Struct(f.schema()).put("scale", data.consumeInt(-5, 80))
          .put("value", nonEmpty(data.consumeBytes(40)));
      case "address" -> new Struct(f.schema()).put("city", data.consumeString(50))
          .put("zip", data.consumeBoolean() ? null : data.consumeString(10));
      case "tags" -> {
        List<String> tags = new ArrayList<>();
        for (int i = data.consumeInt(0, 5); i > 0; i--) {
          tags.add(data.consumeString(20));
        }
        yield tags;
      }
      case "attrs" -> {
        Map<String, Integer> attrs = new LinkedHashMap<>();
        for (int i = data.consumeInt(0, 5); i > 0; i--) {
          attrs.put(data.consumeString(20), data.consumeInt());
        }
        yield attrs;
      }
      default -> throw new IllegalStateException("a field the fuzz target does not fill: " + f.name());
    };
  }

  private static byte[] nonEmpty(byte[] b) {
    return b.length == 0 ? new byte[] {0} : b;
  }
}
