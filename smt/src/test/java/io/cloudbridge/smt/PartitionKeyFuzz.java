package io.cloudbridge.smt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Partition-key templates a user may write, applied to a record: a {@link ConfigException} at configure for a bad
 * template, else a key, or a {@link DataException} naming the record; never another exception. Input: the template,
 * a NUL, then the value of the record's {@code path} field.
 */
class PartitionKeyFuzz {

  private static final Schema VALUE = SchemaBuilder.struct().field("path", Schema.OPTIONAL_STRING_SCHEMA)
      .field("at", Schema.OPTIONAL_INT64_SCHEMA).build();

  @FuzzTest(maxDuration = "15s")
  void buildsAKeyOrRefusesClearly(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    int nul = text.indexOf('\0');
    String template = nul < 0 ? text : text.substring(0, nul);
    String field = nul < 0 ? "x" : text.substring(nul + 1);
    try (PartitionKey<SinkRecord> t = new PartitionKey<>()) {
      try {
        t.configure(Map.of("template", template, "timezone", "Asia/Kathmandu", "target", "key"));
      } catch (ConfigException refused) {
        return;
      }
      try {
        SinkRecord out = t.apply(new SinkRecord("events", 1, null, null, VALUE,
            new Struct(VALUE).put("path", field).put("at", 1_795_000_000_000L), 7, 1_795_000_000_000L,
            org.apache.kafka.common.record.TimestampType.CREATE_TIME));
        if (out.key() == null) {
          throw new AssertionError("no key from template " + template);
        }
      } catch (DataException e) {
        if (!e.getMessage().contains("events")) {
          throw new AssertionError("the error must name the record: " + e.getMessage(), e);
        }
      }
    }
  }
}
