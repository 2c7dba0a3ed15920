package io.cloudbridge.bench;

import com.google.cloud.bigquery.storage.v1.JsonToProtoMessage;
import com.google.cloud.bigquery.storage.v1.TableSchema;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors;
import io.cloudbridge.bigquery.rows.RowEncoder;
import io.cloudbridge.testkit.connect.ConnectCluster;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.json.JSONArray;
import org.json.JSONObject;

/**
 * Conversion of Connect records to Storage Write protobuf rows on one thread, for a 20-field record with a nested
 * struct and an array: the sink's {@link RowEncoder}, next to (a) the JSON path other sinks take (Connect → JSON
 * object → the client library's JSON-to-protobuf conversion, {@link JsonToProtoMessage}) and (b) protobuf written by
 * hand for exactly these fields. Targets: at least 5 times (a), at least 0.5 of (b). No worker is involved.
 */
final class BigQueryEncodeScenario implements Scenario {

  private static final Schema DEVICE = SchemaBuilder.struct().name("bench.Device").optional()
      .field("os", Schema.STRING_SCHEMA)
      .field("model", Schema.OPTIONAL_STRING_SCHEMA)
      .field("ram_mb", Schema.OPTIONAL_INT32_SCHEMA)
      .build();
  private static final Schema EVENT = SchemaBuilder.struct().name("bench.Event")
      .field("event_id", Schema.STRING_SCHEMA)
      .field("account", Schema.INT64_SCHEMA)
      .field("user", Schema.STRING_SCHEMA)
      .field("session", Schema.OPTIONAL_STRING_SCHEMA)
      .field("action", Schema.STRING_SCHEMA)
      .field("page", Schema.OPTIONAL_STRING_SCHEMA)
      .field("referrer", Schema.OPTIONAL_STRING_SCHEMA)
      .field("country", Schema.OPTIONAL_STRING_SCHEMA)
      .field("duration_ms", Schema.INT32_SCHEMA)
      .field("bytes", Schema.INT64_SCHEMA)
      .field("score", Schema.FLOAT64_SCHEMA)
      .field("ratio", Schema.OPTIONAL_FLOAT32_SCHEMA)
      .field("paid", Schema.BOOLEAN_SCHEMA)
      .field("bot", Schema.OPTIONAL_BOOLEAN_SCHEMA)
      .field("amount", Decimal.builder(2).optional().build())
      .field("at", Timestamp.SCHEMA)
      .field("received", Timestamp.builder().optional().build())
      .field("ua", Schema.OPTIONAL_STRING_SCHEMA)
      .field("device", DEVICE)
      .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
      .build();

  private List<Struct> rows;

  @Override
  public String name() {
    return "bigquery-encode";
  }

  @Override
  public String description() {
    return "Connect → BigQuery protobuf rows on one thread: RowEncoder vs the JSON path vs hand-written protobuf";
  }

  private List<Struct> rows(int records) {
    if (rows == null || rows.size() != records) {
      rows = new ArrayList<>(records);
      for (int i = 0; i < records; i++) {
        rows.add(new Struct(EVENT)
            .put("event_id", "evt-" + i).put("account", 1_000_000L + i % 5_000).put("user", "u-" + i % 1_000)
            .put("session", "s-" + i / 20).put("action", i % 3 == 0 ? "view" : "click").put("page", "/p/" + i % 400)
            .put("referrer", i % 5 == 0 ? null : "https://example.com/r/" + i % 77)
            .put("country", i % 2 == 0 ? "FR" : "NP").put("duration_ms", i % 9_000).put("bytes", 1_000L + i)
            .put("score", i / 7.0).put("ratio", (float) (i % 100) / 100).put("paid", i % 4 == 0)
            .put("bot", i % 50 == 0 ? Boolean.TRUE : null).put("amount", BigDecimal.valueOf(i % 100_000, 2))
            .put("at", new Date(1_795_000_000_000L + i)).put("received", new Date(1_795_000_000_500L + i))
            .put("ua", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0")
            .put("device", new Struct(DEVICE).put("os", i % 2 == 0 ? "android" : "ios").put("model", "m" + i % 30)
                .put("ram_mb", 4096))
            .put("tags", List.of("t" + i % 7, "campaign-" + i % 13)));
      }
    }
    return rows;
  }

  /** (a) the JSON path; (b) is printed by {@link #measured}. */
  @Override
  public Result baseline(ConnectCluster cluster, int records) throws Exception {
    List<Struct> data = rows(records);
    RowEncoder encoder = RowEncoder.forSchema(EVENT);
    Descriptors.Descriptor descriptor = encoder.descriptor();
    TableSchema table = encoder.tableSchema();
    long bytes = 0;
    long start = System.nanoTime();
    for (Struct s : data) {
      ByteString row = JsonToProtoMessage.INSTANCE.convertToProtoMessage(descriptor, table, json(s), false)
          .toByteString();
      bytes += row.size();
    }
    return new Result("baseline (a): Connect → JSON → proto", records, bytes, System.nanoTime() - start,
        new long[0], 0);
  }

  /** A Connect struct as the JSON object other sinks hand to JsonStreamWriter (timestamps as µs). */
  private static JSONObject json(Struct s) {
    JSONObject o = new JSONObject();
    for (Field f : s.schema().fields()) {
      Object v = s.get(f);
      if (v == null) {
        continue;
      }
      if (v instanceof Struct nested) {
        o.put(f.name(), json(nested));
      } else if (v instanceof List<?> list) {
        o.put(f.name(), new JSONArray(list));
      } else if (v instanceof Date d) {
        o.put(f.name(), d.getTime() * 1_000L);
      } else {
        o.put(f.name(), v);
      }
    }
    return o;
  }

  @Override
  public Result measured(ConnectCluster cluster, int records) throws Exception {
    List<Struct> data = rows(records);
    RowEncoder encoder = RowEncoder.forSchema(EVENT);
    long bytes = 0;
    long start = System.nanoTime();
    for (Struct s : data) {
      bytes += encoder.encode(s).size();
    }
    Result ours = new Result("measured: RowEncoder", records, bytes, System.nanoTime() - start, new long[0], 0);

    Result hand = handWritten(data, encoder);
    Result json = baseline(cluster, records);
    System.out.println(Result.header());
    System.out.println(json.row());
    System.out.println(hand.row());
    System.out.println(ours.row());
    System.out.printf("RowEncoder / JSON path %.1fx (target 5x); RowEncoder / hand-written %.2f (target 0.5)%n",
        ours.recordsPerSecond() / json.recordsPerSecond(), ours.recordsPerSecond() / hand.recordsPerSecond());
    return ours;
  }

  /** (b) The same rows written field by field with CodedOutputStream, knowing the schema at compile time. */
  private static Result handWritten(List<Struct> data, RowEncoder check) throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    ByteArrayOutputStream nested = new ByteArrayOutputStream(64);
    long bytes = 0;
    long start = System.nanoTime();
    for (Struct s : data) {
      buffer.reset();
      CodedOutputStream out = CodedOutputStream.newInstance(buffer, 512);
      out.writeString(1, s.getString("event_id"));
      out.writeInt64(2, s.getInt64("account"));
      out.writeString(3, s.getString("user"));
      writeString(out, 4, s.getString("session"));
      out.writeString(5, s.getString("action"));
      writeString(out, 6, s.getString("page"));
      writeString(out, 7, s.getString("referrer"));
      writeString(out, 8, s.getString("country"));
      out.writeInt64(9, s.getInt32("duration_ms"));
      out.writeInt64(10, s.getInt64("bytes"));
      out.writeDouble(11, s.getFloat64("score"));
      if (s.getFloat32("ratio") != null) {
        out.writeDouble(12, s.getFloat32("ratio"));
      }
      out.writeBool(13, s.getBoolean("paid"));
      if (s.getBoolean("bot") != null) {
        out.writeBool(14, s.getBoolean("bot"));
      }
      BigDecimal amount = (BigDecimal) s.get("amount");
      if (amount != null) {
        out.writeBytes(15, com.google.cloud.bigquery.storage.v1.BigDecimalByteStringEncoder
            .encodeToNumericByteString(amount));
      }
      out.writeInt64(16, ((Date) s.get("at")).getTime() * 1_000L);
      Date received = (Date) s.get("received");
      if (received != null) {
        out.writeInt64(17, received.getTime() * 1_000L);
      }
      writeString(out, 18, s.getString("ua"));
      Struct device = s.getStruct("device");
      if (device != null) {
        nested.reset();
        CodedOutputStream d = CodedOutputStream.newInstance(nested, 64);
        d.writeString(1, device.getString("os"));
        writeString(d, 2, device.getString("model"));
        if (device.getInt32("ram_mb") != null) {
          d.writeInt64(3, device.getInt32("ram_mb"));
        }
        d.flush();
        out.writeByteArray(19, nested.toByteArray());
      }
      List<String> tags = s.getArray("tags");
      if (tags != null) {
        for (String t : tags) {
          out.writeString(20, t);
        }
      }
      out.flush();
      ByteString row = ByteString.copyFrom(buffer.toByteArray());
      if (bytes == 0 && !row.equals(check.encode(s))) {
        throw new IllegalStateException("the hand-written row differs from RowEncoder's: not the same work");
      }
      bytes += row.size();
    }
    return new Result("baseline (b): hand-written protobuf", data.size(), bytes, System.nanoTime() - start,
        new long[0], 0);
  }

  private static void writeString(CodedOutputStream out, int number, String value) throws java.io.IOException {
    if (value != null) {
      out.writeString(number, value);
    }
  }
}
