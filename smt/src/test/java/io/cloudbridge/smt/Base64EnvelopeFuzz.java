package io.cloudbridge.smt;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Whatever arrives as a base64 value or envelope (Pub/Sub push bodies, Step Functions output, garbage), in each
 * envelope, output and gzip setting: a record whose value matches its schema, or a {@link DataException} naming the
 * record; with {@code on.error=passthrough} never an exception. Input: one byte of settings, then the value.
 */
class Base64EnvelopeFuzz {

  private static final String[] ENVELOPES = {"none", "pubsub_push", "custom", "pubsub_message"};
  private static final String[] OUTPUTS = {"json", "string", "bytes"};
  private static final String[] GZIP = {"auto", "always", "never"};

  @FuzzTest(maxDuration = "15s")
  void decodesOrFailsNamingTheRecord(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int o = input[0] & 0xff;
    boolean passthrough = (o & 0x80) != 0;
    Map<String, String> config = new java.util.HashMap<>(Map.of("envelope", ENVELOPES[o & 3],
        "output", OUTPUTS[((o >> 2) & 3) % 3], "gzip", GZIP[((o >> 4) & 3) % 3],
        "max.decoded.bytes", "65536", "on.error", passthrough ? "passthrough" : "fail"));
    if (config.get("envelope").equals("custom")) {
      config.put("envelope.payload.path", "encoded");
    }
    if (config.get("envelope").equals("pubsub_message")) {
      config.put("mode", "encode"); // wraps values into a Pub/Sub message body
    }
    if ((o & 0x40) != 0) {
      config.put("json.schema", "none");
    }
    String value = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
    try (Base64Envelope<SinkRecord> t = new Base64Envelope.Value<>()) {
      t.configure(config);
      SinkRecord out;
      try {
        out = t.apply(new SinkRecord("payloads", 3, null, null, Schema.OPTIONAL_STRING_SCHEMA, value, 42));
      } catch (DataException e) {
        if (passthrough) {
          throw new AssertionError("on.error=passthrough must not throw", e);
        }
        if (!e.getMessage().contains("payloads")) {
          throw new AssertionError("the error must name the record: " + e.getMessage(), e);
        }
        return;
      }
      if (out != null && out.valueSchema() != null) {
        ConnectSchema.validateValue(out.valueSchema(), out.value());
      }
    }
  }
}
