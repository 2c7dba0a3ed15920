package io.cloudbridge.staging.format;

import io.cloudbridge.common.json.ConnectJson;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/** A record as one JSON document: its value, or an envelope with key, value, headers and Kafka coordinates. */
final class JsonEncoder implements RecordEncoder {

  private static final JsonFactory FACTORY = new JsonFactory();

  private final boolean envelope;
  /** One generator for the writer's buffer, flushed after each record; dropped after a record that failed. */
  private JsonGenerator generator;
  private ByteArrayOutputStream target;

  JsonEncoder(boolean envelope) {
    this.envelope = envelope;
  }

  @Override
  public void encode(SinkRecord r, ByteArrayOutputStream into) throws IOException {
    if (generator == null || target != into) {
      generator = FACTORY.createGenerator(into);
      generator.setRootValueSeparator(null);
      target = into;
    }
    boolean done = false;
    try {
      write(generator, r);
      generator.flush();
      done = true;
    } finally {
      if (!done) {
        generator = null; // half a document may be in it
      }
    }
  }

  private void write(JsonGenerator g, SinkRecord r) throws IOException {
    RecordWriter.encode(r, () -> {
      writeDocument(g, r);
      return null;
    });
  }

  private void writeDocument(JsonGenerator g, SinkRecord r) throws IOException {
    if (!envelope) {
      ConnectJson.write(g, r.valueSchema(), r.value());
      return;
    }
    g.writeStartObject();
    g.writeStringField("topic", r.topic());
    g.writeNumberField("partition", r.kafkaPartition());
    g.writeNumberField("offset", r.kafkaOffset());
    if (r.timestamp() != null) {
      g.writeFieldName("timestamp");
      ConnectJson.write(g, org.apache.kafka.connect.data.Timestamp.SCHEMA, new java.util.Date(r.timestamp()));
    }
    g.writeFieldName("key");
    ConnectJson.write(g, r.keySchema(), r.key());
    g.writeFieldName("value");
    ConnectJson.write(g, r.valueSchema(), r.value());
    g.writeArrayFieldStart("headers");
    for (Header h : r.headers()) {
      g.writeStartObject();
      g.writeStringField("key", h.key());
      g.writeFieldName("value");
      ConnectJson.write(g, h.schema(), h.value());
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

}
