package io.cloudbridge.gcs;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Object-name templates a user may write, filled from record fields and headers nobody controls: a
 * {@link ConfigException} for a bad template, else a name GCS accepts (1 to 1024 UTF-8 bytes, no CR or LF, not
 * "." or "..", not under .well-known/acme-challenge/), or a {@link DataException} naming the record; nothing else.
 * Input: the template, a NUL, the value of field {@code f}, a NUL, the value of header {@code h}.
 */
class ObjectNamerFuzz {

  private static final Schema VALUE = SchemaBuilder.struct().field("f", Schema.OPTIONAL_STRING_SCHEMA).build();

  @FuzzTest(maxDuration = "15s")
  void namesObjectsGcsAcceptsOrRefusesClearly(byte[] input) {
    String[] parts = new String(input, StandardCharsets.UTF_8).split("\0", 3);
    String template = parts[0];
    String field = parts.length > 1 ? parts[1] : "";
    String header = parts.length > 2 ? parts[2] : "";
    ObjectNamer namer;
    try {
      ObjectNamer.check(template);
      Map<String, String> props = new HashMap<>(Map.of("gcs.bucket.name", "b", "file.name.template", template));
      namer = new ObjectNamer(new GcsSinkConfig(props), ".jsonl.gz");
    } catch (ConfigException refused) {
      return;
    }
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("h", header);
    SinkRecord record = new SinkRecord("actions", 12, Schema.STRING_SCHEMA, field, VALUE, new Struct(VALUE).put("f", field),
        4711, 1_795_000_000_000L, TimestampType.CREATE_TIME, headers);
    String name;
    try {
      name = namer.name(namer.groupKey(record, 1_795_000_000_000L), 4711, 4800);
    } catch (DataException e) {
      if (!e.getMessage().contains("actions")) {
        throw new AssertionError("the error must name the record: " + e.getMessage(), e);
      }
      return;
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes < 1 || bytes > 1024 || name.indexOf('\r') >= 0 || name.indexOf('\n') >= 0 || name.equals(".")
        || name.equals("..") || name.startsWith(".well-known/acme-challenge/")
        || !StandardCharsets.UTF_8.newEncoder().canEncode(name)) {
      throw new AssertionError("GCS refuses the object name [" + name + "] (" + bytes + " bytes) from template ["
          + template + "]");
    }
  }
}
